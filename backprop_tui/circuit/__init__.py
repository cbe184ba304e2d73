"""The circuit picture's geometry: where nodes, wires and labels go, in terminal cells. Pure: no textual.

The chain's graph is drawn as CS231n and micrograd draw it: left to right, leaves on the left and the output
on the right, the forward value above each wire and the gradient below it.

    model      the nodes and their inputs, read from a trace; gate texts
    structure  columns (layering), order within a column (barycentre sweeps), rows, ports, stubs
    canvas     widths in cells, the tracks between columns, and every row as a list of spans
    glyphs     box-drawing characters and their ASCII fallback
    levels     statement level <-> gate level: the steps and names that correspond
"""

from backprop_tui.circuit.canvas import Canvas, Detail, Span, draw
from backprop_tui.circuit.model import Model, model_of
from backprop_tui.circuit.structure import FANOUT_MAX, SPAN_MAX, Structure, structure_of

__all__ = ["FANOUT_MAX", "SPAN_MAX", "Canvas", "Detail", "Model", "Span", "Structure", "draw", "model_of",
           "structure_of"]
