"""The graph's part of the app: laying out the circuit (in a thread for large programs), the level
toggle `g` (statement / gate level) and the fit toggle `z` (a mixin of BackpropApp)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from textual import work

from backprop_tui.circuit import Canvas, Detail, Structure, draw, model_of, structure_of
from backprop_tui.circuit.canvas import measure
from backprop_tui.engine.trace import Trace, build_trace
from backprop_tui.lang.program import Program
from backprop_tui.tui.widgets.graph import LADDER, graph_theme_variables

if TYPE_CHECKING:
    from backprop_tui.tui.app import BackpropApp

    Base = BackpropApp
else:
    Base = object

LAYOUT_IN_THREAD = 200  # nodes: a larger program is laid out in a thread while the screen keeps drawing
LEVELS = {"statement": "statements", "gate": "gates"}


class GraphActions(Base):
    level = "statement"  # or "gate": one node per primitive operation (engine.atomize)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **graph_theme_variables(self.current_theme.dark)}

    def program_for_level(self, program: Program) -> Program:
        if self.level == "gate":
            from backprop_tui.engine.atomize import atomize

            return atomize(program)
        return program

    def lay_out(self, trace: Trace) -> None:
        """Give the graph this trace's circuit: at once when small, else from a thread."""
        graph = self.graph
        self.title_graph()
        if len(trace.names) <= LAYOUT_IN_THREAD:
            graph.set_trace(self.state, structure_of(model_of(trace, graph.ascii)))
            return
        graph.set_waiting(f"laying out {len(trace.names):,} nodes…")
        room = graph.scrollable_content_region.width or graph.size.width
        self._lay_out_in_thread(self.generation, trace, graph.ascii, graph.fit, room)

    @work(thread=True, exclusive=True, group="layout", description="lay out the circuit")  # no repr of the trace
    def _lay_out_in_thread(self, generation: int, trace: Trace, ascii: bool, fit: bool, room: int) -> None:
        # The layout allocates ~50,000 objects; each allocation burst would start a garbage collection that
        # walks every object of the process with the GIL held (a frame of hundreds of ms), so collection
        # waits until the layout is done.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            structure = structure_of(model_of(trace, ascii))
            ladder = [Detail(d.digits, d.full_gates, ascii) for d in LADDER]
            detail = ladder[0]
            if fit:
                detail = next((d for d in ladder if measure(structure, d) <= room), ladder[-1])
            canvas = draw(structure, detail)
        finally:
            if was_enabled:
                gc.enable()
        self.call_from_thread(self._laid_out, generation, structure, canvas, detail)

    def _laid_out(self, generation: int, structure: Structure, canvas: Canvas, detail: Detail) -> None:
        if generation != self.generation or self.state is None:
            return  # the program changed meanwhile
        self.graph.set_trace(self.state, structure, canvas, detail)

    def title_graph(self) -> None:
        graph = self.graph
        graph.border_title = f"graph · {LEVELS[self.level]} · {'fit' if graph.fit else '1:1'}"
        graph.border_subtitle = ("value above, gradient below, d= local" if graph.ascii else
                                 "value above · gradient below · ∂ local")

    # -- g: statement level / gate level -------------------------------------------------------------
    def action_toggle_level(self) -> None:
        if self.state is None or self.program is None:
            return
        from backprop_tui.circuit.levels import gate_k, statement_k, statement_of

        old, k = self.state.trace, self.k
        self.level = "gate" if self.level == "statement" else "statement"
        try:
            new = build_trace(self.program_for_level(self.program))
        except Exception as err:  # never crash on a program: stay where we were
            self.level = "gate" if self.level == "statement" else "statement"
            self.notify(f"cannot show the gate level: {err}", severity="warning")
            return
        if self.level == "gate":
            self.k = gate_k(old, new, k)
            mapping = "a statement step shows as its last gate step"
        else:
            self.k = statement_k(old, new, k)
            self.selected = statement_of(self.selected) if self.selected else None
            mapping = "a gate step shows as its statement's step"
        if self.selected is not None:
            self.graph.selected = self.selected
        self.install(new)
        self.request_check()
        what = "gate level: one node per operation" if self.level == "gate" else \
            "statement level: one node per statement"
        self.notify(f"{what}; step {k} → step {self.k} ({mapping})", timeout=4)

    # -- z: fit / 1:1 --------------------------------------------------------------------------------
    def action_toggle_fit(self) -> None:
        fit = self.graph.toggle_fit()
        self.title_graph()
        self.notify("fit: the most compact drawing that fits the panel" if fit else
                    "1:1: every formula and 4 significant digits; scroll to see the rest", timeout=3)
