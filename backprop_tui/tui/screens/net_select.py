"""Choosing a neuron on the network screen (a mixin of NetworkScreen): the cursor (↑↓ within a layer,
[ ] between layers, a click, enter on a matrix cell), the data row (r, R), and `c`, which opens exactly the
selected neuron as a chain; the footer names it (`c: fc2:0 as a chain`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from textual.widgets import DataTable

from backprop_tui.errors import BadInput
from backprop_tui.network.expand import expand_neuron
from backprop_tui.network.neuron import neuron_ref, unit_name
from backprop_tui.tui.widgets.net_diagram import NetDiagram

if TYPE_CHECKING:
    from backprop_tui.tui.screens.network import NetworkScreen

    Base = NetworkScreen
else:
    Base = object


class SelectionMixin(Base):
    # -- the cursor --------------------------------------------------------------------------------
    def _layer_size(self, layer: int) -> int:
        return 1 if layer > self.spec.layers else self.spec.sizes[layer]

    def action_cursor(self, delta: int) -> None:
        layer, unit = self.cursor
        self.select(layer, max(0, min(self._layer_size(layer) - 1, unit + delta)))

    def action_layer(self, delta: int) -> None:
        layer, unit = self.cursor
        layer = max(0, min(self.spec.layers + 1, layer + delta))
        self.select(layer, min(unit, self._layer_size(layer) - 1))

    def action_select(self) -> None:
        """enter: the cursor's neuron is the selected one; on a small screen, show its panel."""
        if self.has_class("-small"):
            self.action_panel("neuron")
        layer, unit = self.cursor
        self.message = f"selected {self._neuron_name(layer, unit)}"
        self.refresh_views()

    def _neuron_name(self, layer: int, unit: int) -> str:
        return "L" if layer > self.spec.layers else unit_name(self.spec.sizes, layer, unit)

    def select(self, layer: int, unit: int) -> None:
        self.cursor = (layer, unit)
        self.quiz_cursor_moved()  # the weight the quiz asks in a layer still ahead follows the cursor
        self.refresh_views()

    def on_net_diagram_neuron_clicked(self, event: NetDiagram.NeuronClicked) -> None:  # (a mixin: no @on)
        self.select(event.layer, event.unit)

    def action_row(self, delta: int) -> None:
        row = (self.row + delta) % len(self.spec.x)
        if row != self.row:
            self.row = row
            self.quiz_load(start=self.k)  # the new row's numbers, asked from the current step on
        self.message = f"data row {self.row} of {len(self.spec.x)}"
        self.refresh_views()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """enter on a matrix cell: its neuron (and data row) becomes the selection; its value in full."""
        if event.data_table.id == "net-matrix":
            self.pick_cell(event.coordinate.row, event.coordinate.column)

    def pick_cell(self, r: int, c: int) -> None:
        if not 1 <= self.k <= len(self.net.steps) or c < 1:
            return
        key, arr = self.net.keys[self.k - 1], self.net.arrays[self.k - 1]
        if arr is None:
            return
        col = c - 1
        torch_arr = self.net.torch_arrays[self.k - 1] if self.net.torch_arrays else None
        if arr.ndim == 3:
            arr = arr[self.row]
            torch_arr = torch_arr[self.row] if torch_arr is not None else None
        flat = arr.reshape(1, -1) if arr.ndim < 2 else arr
        if r >= flat.shape[0] or col >= flat.shape[1]:
            return
        t = None if torch_arr is None else float(np.asarray(torch_arr).reshape(flat.shape)[r, col])
        row = self.row
        if (r, col) in self.seen.hidden_at(self.k) or (arr.ndim == 0 and () in self.seen.hidden_at(self.k)):
            t = None  # quiz: the number waits for a prediction (the step panel masks the engine's, not torch's)
        self.cell = (f"[{r}, {col}]", float(flat[r, col]), t)
        kind = key[0]
        if kind in ("grad", "updated") and key[1].endswith("weight"):
            layer = int(key[1][2:key[1].index(".")])
            self.cursor = (layer, r)
        elif kind in ("grad", "updated"):
            self.cursor = (int(key[1][2:key[1].index(".")]), col)
        elif kind in ("z", "a", "grad_a", "fprime", "grad_z"):
            self.cursor, self.row = (int(key[1]), col), r
        elif kind == "jac":
            self.cursor = (int(key[1]), r)
        if self.row != row:
            self.quiz_load(start=self.k)
        else:
            self.quiz_cursor_moved()
        self.refresh_views()

    # -- the neuron's chain ------------------------------------------------------------------------
    def action_chain(self) -> None:
        layer, unit = self.cursor
        if not 1 <= layer <= self.spec.layers:
            self.message = "c opens a hidden or output neuron: move the cursor onto one (↑↓ [ ])"
            self.refresh_views()
            return
        try:
            exp = expand_neuron(self.spec, layer, unit, self.row)
        except BadInput as err:
            self.message = str(err)
            self.refresh_views()
            return
        self.message = f"opened {neuron_ref(layer, unit)}, row {self.row} as a chain"
        self.post_message(self.OpenChain(exp.text, neuron_ref(layer, unit), self.row))
        self.refresh_views()

    def _footer_chain(self) -> None:
        """The footer says which neuron `c` opens: `c: fc2:0 as a chain`."""
        layer, unit = self.cursor
        text = f"{neuron_ref(layer, unit)} as a chain" if 1 <= layer <= self.spec.layers else "chain (pick h/o)"
        current = self._bindings.key_to_bindings.get("c", [])
        if current and current[0].description != text:
            self._bindings.key_to_bindings["c"] = [replace(current[0], description=text)]
            self.refresh_bindings()

