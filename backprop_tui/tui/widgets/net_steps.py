"""The steps region of the network screen: the current step written out, the list of steps, and the matrix
view of a step's numbers with rows and columns named by neurons (data rows as rows)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text
from textual.content import Content
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from backprop_tui.engine.step import Step
from backprop_tui.engine.warnings import LearningWarning
from backprop_tui.network.engine import Key, NetTrace
from backprop_tui.network.neuron import unit_name
from backprop_tui.network.reveal import Reveal
from backprop_tui.numbers import full, short
from backprop_tui.tui.widgets.net_diagram import NEGATIVE, POSITIVE

MAX_TABLE_ROWS = 200
PHASES = {"forward": "forward pass", "loss": "the loss", "backward": "backward pass (chain rule)",
          "local": "a local derivative", "update": "the SGD update"}
START = ("Start: nothing computed yet. → or n takes the first step (← or p goes back); f finishes the forward "
         "pass, b runs the backward pass, u applies the update, t trains. ↑↓ and [ ] move the neuron cursor; "
         "m shows the matrices; ? explains the notation.")


def cell_style(v: float, scale: float) -> str:
    """Blue for positive, orange for negative (red is kept for a torch disagreement); bolder the larger |v|."""
    if v == 0 or not np.isfinite(v) or scale == 0:
        return "dim"
    hue = POSITIVE if v > 0 else NEGATIVE
    frac = abs(v) / scale
    return f"bold {hue}" if frac > 0.66 else hue if frac > 0.2 else f"dim {hue}"


def verdict(step: Step, check_enabled: bool, torch_error: str | None) -> Text:
    if not check_enabled:
        return Text("torch check off", "dim")
    if torch_error:
        return Text(f"torch unavailable: {torch_error}", "yellow")
    if step.ok is None:
        return Text("torch: checking…", "yellow")
    return Text("✓ torch agrees", "bold green") if step.ok else Text("✗ torch DISAGREES", "bold reverse red")


def step_text(net: NetTrace, k: int, check_enabled: bool, torch_error: str | None,
              cell: tuple[str, float, float | None] | None = None, reveal: Reveal | None = None,
              warnings: Sequence[LearningWarning] = ()) -> Content:
    """The current step: its phase, its formula with the numbers substituted, torch's verdict; with a matrix
    cell picked, that number in full precision beside torch's; then the step's warnings (network.warnings:
    what slows learning here and what to try, in the warning colour: red is kept for torch).

    reveal: in quiz mode, each number still to predict is written `?` (Reveal.mask), the current step's
    result included."""
    mask = reveal.mask if reveal is not None else str
    if k == 0 or k > len(net.steps):
        return Content(START)
    step = net.steps[k - 1]
    out = Text()
    out.append(f"STEP {k} of {len(net.steps)} · {PHASES.get(step.phase, step.phase)}  ", "bold")
    out.append_text(verdict(step, check_enabled, torch_error))
    out.append("\n")
    out.append(mask(step.formula))
    t = net.torch_arrays[k - 1] if net.torch_arrays and k - 1 < len(net.torch_arrays) else None
    if step.ok is False and t is not None:
        from backprop_tui.network.formulas import mat

        out.append(f"\ntorch says {mask(mat(t))}", "bold red")
    if cell is not None:
        where, value, torch = cell
        out.append(f"\n{where} = {mask(full(value))}", "bold")
        if torch is not None:
            out.append(f"   torch {mask(full(torch))}", "dim")
    parts = [Content.from_rich_text(out)]
    if reveal is not None and reveal.hidden_at(k):
        parts.append(Content.styled("? = a number to predict: type it in the quiz panel below", "$warning"))
    parts.extend(Content.styled(mask(w.short_line()), "$warning") for w in warnings)
    return Content("\n").join(parts)


class StepList(DataTable):
    """Every step of the trace, with torch's mark, ⚠ on a step with a warning and ? on a step the quiz asks
    about; enter (or a click) goes to a step."""

    _labels: list[str]
    _asked: frozenset[int] = frozenset()

    def fill(self, net: NetTrace, check_enabled: bool, warned: frozenset[int] = frozenset()) -> None:
        """warned: the indices of the steps a warning concerns."""
        if not self.columns:
            self.add_columns("#", "phase", "step", "torch")
        self.clear()
        self._labels, self._asked = [], frozenset()
        for s in net.steps:
            mark = "…" if s.ok is None and check_enabled else "✓" if s.ok else "✗" if s.ok is False else ""
            label = s.label if s.phase != "update" else f"{s.target} ←"
            if "shortcut" in s.formula:
                label += " (s−y)/N"
            elif "= J·∂L" in s.formula:
                label += " via J"
            if s.index in warned:
                label += " ⚠"
            self._labels.append(label)
            self.add_row(str(s.index + 1), s.phase, label, Text(mark, "green" if s.ok else "red"))

    def mark_asked(self, asked: frozenset[int]) -> None:
        """Quiz mode: `?` after the steps with a number still to predict (only the rows that change)."""
        if asked == self._asked or not self.columns:
            return
        for i in asked ^ self._asked:
            if 0 <= i < min(self.row_count, len(self._labels)):
                self.update_cell_at(Coordinate(i, 2), self._labels[i] + (" ?" if i in asked else ""))
        self._asked = asked


def axes(net: NetTrace, key: Key, shape: tuple[int, ...], row: int) -> tuple[str, list[str], list[str]]:
    """(title, row labels, column labels) for a step's array, named by neurons and data rows."""
    sizes = net.spec.sizes
    kind = key[0]
    if kind in ("grad", "updated"):
        name = key[1]
        layer = int(name[2:name.index(".")])
        outs = [unit_name(sizes, layer, j) for j in range(sizes[layer])]
        if name.endswith("weight"):
            ins = [unit_name(sizes, layer - 1, i) for i in range(sizes[layer - 1])]
            return f"{name}: rows to {outs[0]}…, columns from {ins[0]}… (nn.Linear's [out, in])", outs, ins
        return f"{name}: one per neuron", [name.split(".")[1]], outs
    if kind == "loss":
        return "the loss (one number for the batch)", ["L"], ["value"]
    layer = int(key[1])
    units = [unit_name(sizes, layer, j) for j in range(sizes[layer])]
    if kind == "jac":
        return f"softmax Jacobian ∂a/∂z of data row {row}: rows a, columns z", units, units
    label = {"z": "z", "a": "a", "grad_a": "∂L/∂a", "fprime": "f'(z)", "grad_z": "δ = ∂L/∂z"}[kind]
    return f"{label} of layer {layer}: one row per data row", [f"row {i}" for i in range(shape[0])], units


class MatrixTable(DataTable):
    """The current step's numbers, rows and columns named; enter on a cell (DataTable.CellSelected) picks its
    neuron and data row."""

    def show(self, net: NetTrace, k: int, row: int, asked: frozenset[tuple[int, ...]] = frozenset()) -> str:
        """Fill the table for step k; returns its title. asked: quiz mode, the entries still to predict
        ((row, unit), (out, in), or () for the loss), shown as `?`."""
        self.clear(columns=True)
        if not 1 <= k <= len(net.steps):
            return "numbers (take a step)"
        arr = net.arrays[k - 1]
        if arr is None:
            return "no numbers: nothing flows here (frozen)"
        if arr.ndim == 3:
            arr = arr[min(row, arr.shape[0] - 1)]
        shaped = arr.reshape(1, 1) if arr.ndim == 0 else arr.reshape(1, -1) if arr.ndim == 1 else arr
        title, rows, cols = axes(net, net.keys[k - 1], shaped.shape, row)
        shown = shaped[:MAX_TABLE_ROWS]
        finite = np.abs(shown[np.isfinite(shown)])
        scale = float(finite.max()) if finite.size else 0.0
        self.add_column("")
        for c in cols:
            self.add_column(c)
        scalar = arr.ndim == 0  # the loss: its one entry is ()
        for i, (label, r) in enumerate(zip(rows, shown, strict=False)):
            self.add_row(label, *[Text("?", "bold") if (() if scalar else (i, j)) in asked else
                                  Text(short(float(v)), cell_style(float(v), scale)) for j, v in enumerate(r)])
        if shaped.shape[0] > MAX_TABLE_ROWS:
            self.add_row("…", f"+{shaped.shape[0] - MAX_TABLE_ROWS} rows")
        return title
