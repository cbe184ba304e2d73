"""Geometry of the neuron diagram: where each neuron, marker, edge and weight label goes. Pure (no textual).

Columns left to right: the inputs, each hidden layer, the outputs, then the loss. Every weight is an edge
from the right side of its source to a port on the left side of its target. Each target has one port row
per visible source, so a weight's label sits on its own row, on the edge's last, horizontal stretch
(`──0.15──▸`), and no two labels collide. Sloped parts end where a gap's labels begin, so no dot touches a
label. A label that does not fit degrades a layer at a time (labels.py: one row, two rows, shorter, the
weight alone) rather than every label vanishing. A layer wider than its column shows a window of neurons with
`⋮ k more` markers for the hidden ones; the window scrolls (`offsets`).

Coordinates are cells, (x, y) with y down; the diagram's top-left cell is (0, 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from backprop_tui.tui.net_labels import Choice, configs, forms_of

BRAILLE = 0x2800
# the dot bit of each (column 0..1, row 0..3) inside a braille cell
DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
MIN_DIAGONAL = 4  # cells of sloped line at least, between a source and the labels of its targets
MAX_GAP = 44  # a gap between columns never grows beyond this: the spare width goes to the margins
LOSS_GAP = 6
MARKER = "⋮"


@dataclass(frozen=True)
class Slot:
    """One row-group of a column: a neuron (unit ≥ 0) or a marker for the hidden units first..last."""

    y: int
    height: int
    unit: int = -1
    first: int = 0  # a marker's hidden units, inclusive
    last: int = -1

    @property
    def is_marker(self) -> bool:
        return self.unit < 0

    @property
    def hidden(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class Column:
    layer: int  # 0 inputs … L outputs; L + 1 the loss
    x: int
    width: int
    slots: tuple[Slot, ...]
    offset: int  # the first unit of the scrolled window

    def slot_of(self, unit: int) -> Slot | None:
        return next((s for s in self.slots if s.unit == unit), None)

    @property
    def units(self) -> list[int]:
        return [s.unit for s in self.slots if not s.is_marker]


@dataclass(frozen=True)
class Edge:
    """A weight, from unit `src` of layer − 1 to unit `dst` of `layer` (nn.Linear: fc{layer}.weight[dst, src]);
    for layer L + 1, an output's edge into the loss.

    Drawn as a sloped part (braille) and a horizontal run (box drawing) that carries the label: for a weight
    the run is last, into the target's port; for an output → loss edge it is first, out of the output.
    """

    layer: int
    src: int
    dst: int
    slope: tuple[int, int, int, int]  # x0, y0, x1, y1
    run: tuple[int, int, int]  # y, x_from, x_to (inclusive)
    label_x: int = 0
    label_w: int = 0  # 0: no label
    label_rows: int = 1  # 2: the label's second line sits on the row below the run

    @property
    def run_y(self) -> int:
        return self.run[0]


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    style: str  # "full": bordered boxes with z, a, δ; "compact": one row per neuron
    columns: tuple[Column, ...]
    edges: tuple[Edge, ...]
    labels: bool  # weight labels shown
    x_offset: int = 0
    by_layer: dict[int, Column] = field(default_factory=dict)
    forms: tuple[int, ...] = ()  # the label form of each layer 1..L (index 0 unused; net_labels.FORMS)
    loss_labels: bool = False  # the target y on each output → loss edge

    def box(self, layer: int, unit: int) -> tuple[int, int, int, int] | None:
        """(x, y, width, height) of a shown neuron, or None when it is hidden behind a marker."""
        col = self.by_layer.get(layer)
        slot = col.slot_of(unit) if col else None
        return None if slot is None or col is None else (col.x, slot.y, col.width, slot.height)

    def hit(self, x: int, y: int) -> tuple[int, Slot] | None:
        """The (layer, slot) under a cell: a neuron or a marker."""
        for col in self.columns:
            if col.x <= x < col.x + col.width:
                for s in col.slots:
                    if s.y <= y < s.y + s.height:
                        return col.layer, s
        return None

    def column_at(self, x: int) -> int | None:
        """The layer whose column (with the gap to its left) holds x, for the mouse wheel."""
        best = None
        for col in self.columns:
            if x >= col.x - 2:
                best = col.layer
        return best


# -- which neurons a wide layer shows ------------------------------------------------------------------
def window(n: int, cap: int, offset: int) -> tuple[list[tuple[int, int, int]], int]:
    """Slots for a layer of n units in `cap` slots, scrolled to `offset`: ([(unit, first, last)], offset).

    unit ≥ 0 is a neuron; unit −1 a marker for units first..last. At offset 0: the first units, a marker,
    the last units. Scrolled: a marker above, a window, a marker, the last units (the tail stays in view, as
    the output end of a wide layer matters as much as its start). Every unit is either shown or counted.
    """
    if n <= cap:
        return [(i, i, i) for i in range(n)], 0
    if cap < 3:  # room for a neuron and a marker at most: the rest is counted, never cut silently
        return ([(0, 0, 0), (-1, 1, n - 1)] if cap == 2 else [(-1, 0, n - 1)]), 0
    tail = 2 if cap >= 7 else 1
    offset = max(0, offset)
    if offset == 0:
        head = cap - tail - 1
        return [(i, i, i) for i in range(head)] + [(-1, head, n - tail - 1)] + \
            [(i, i, i) for i in range(n - tail, n)], 0
    head = cap - tail - 2
    if head < 1 or offset + head >= n - tail - 1:  # at the end (a middle marker would hide one unit or none)
        start = n - (cap - 1)
        return [(-1, 0, start - 1)] + [(i, i, i) for i in range(start, n)], start
    return [(-1, 0, offset - 1)] + [(i, i, i) for i in range(offset, offset + head)] + \
        [(-1, offset + head, n - tail - 1)] + [(i, i, i) for i in range(n - tail, n)], offset


def scroll_to(n: int, cap: int, offset: int, unit: int) -> int:
    """The offset nearest `offset` that shows `unit`."""
    if n <= cap:
        return 0
    slots, offset = window(n, cap, offset)
    if any(u == unit for u, _, _ in slots):
        return offset
    if unit < offset:
        return 0 if window(n, cap, 0)[0][unit][0] == unit else unit
    for candidate in range(offset + 1, n):
        slots, got = window(n, cap, candidate)
        if any(u == unit for u, _, _ in slots):
            return got
    return offset


# -- the plan ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Content:
    """What the widget will write in each column: inner widths and row counts per style."""

    sizes: tuple[int, ...]  # units per layer, inputs first
    full_width: tuple[int, ...]  # inner width of a bordered box, per layer (+ the loss column last)
    full_rows: tuple[int, ...]  # inner rows of a bordered box, per layer (+ the loss)
    compact_width: tuple[int, ...]  # width of a one-row neuron, per layer (+ the loss)
    label_width: tuple[int, ...]  # a weight label, padding included, per layer 1..L (index 0 unused)
    loss_label_width: int = 0  # a label on an output → loss edge (the target y)
    # per layer 1..L (index 0 unused): (width with padding, rows) of each label form (net_labels.FORMS),
    # None where the layer has no such form; empty: label_width's one-row label alone
    label_forms: tuple[tuple[tuple[int, int] | None, ...], ...] = ()


def _candidates(c: Content) -> list[tuple[str, int, Choice | None]]:
    """(style, blank rows between neurons, labels) in order of preference: bordered boxes with the richest
    labels that fit (touching boxes before poorer labels), then without labels; then one-row neurons."""
    choices = list(configs(c))
    full = [("full", gap, ch) for ch in choices for gap in (1, 0)]
    one_row = [ch for ch in choices if all(r == 1 for r in _rows(c, ch))]
    compact = [("compact", gap, ch) for gap in (1, 0) for ch in [*one_row, None]]
    return [*full, ("full", 1, None), ("full", 0, None), *compact]


def plan(content: Content, width: int, height: int, offsets: dict[int, int] | None = None) -> Layout:
    """The first candidate style that shows every neuron; else the one that shows the most (earlier wins)."""
    offsets = offsets or {}
    best: Layout | None = None
    for style, gap, labels in _candidates(content):
        got = _place(content, width, height, offsets, style, gap, labels)
        if got is None:
            continue
        if all(len(col.units) == n for col, n in zip(got.columns, content.sizes, strict=False)):
            return got
        if best is None or _shown(got) > _shown(best):
            best = got
    if best is not None:
        return best
    forced = _place(content, width, height, offsets, "compact", 0, None, force=True)
    assert forced is not None
    return forced


def full_height(content: Content, gap: int = 1, width: int | None = None) -> int:
    """Rows the bordered style needs to show every neuron (ports for every weight label), `gap` rows apart;
    with `width`, for the richest labels that fit that width (a two-row label wants taller boxes)."""
    rows: Sequence[int] = [1] * len(content.sizes)
    if width is not None:
        fits = next((ch for ch in configs(content) if _widths(content, width, "full", ch) is not None), None)
        rows = _rows(content, fits) if fits is not None else rows
    need = 0
    for layer, n in enumerate(content.sizes):
        ports = content.sizes[layer - 1] if layer else 0
        box = 2 + max(content.full_rows[layer], ports * rows[layer])
        need = max(need, n * box + (n - 1) * gap)
    return need


def _label(c: Content, labels: Choice | None, layer: int) -> tuple[int, int]:
    """(width, rows) of layer's weight labels under `labels` ((0, 1): none)."""
    if labels is None or layer == 0:
        return 0, 1
    got = forms_of(c, layer)[labels.forms[layer]]
    assert got is not None
    return got


def _rows(c: Content, labels: Choice | None) -> list[int]:
    return [_label(c, labels, i)[1] for i in range(len(c.sizes))]


def _widths(c: Content, width: int, style: str, labels: Choice | None,
            force: bool = False) -> tuple[list[int], list[int], int, int] | None:
    """(column widths, gaps, the loss gap, x of the first column), or None when the labels do not fit."""
    widths = list(c.full_width if style == "full" else c.compact_width)
    n_layers = len(c.sizes)
    min_gaps = [_label(c, labels, i)[0] + MIN_DIAGONAL + 2 for i in range(1, n_layers)]
    loss_gap = LOSS_GAP
    if labels is not None and labels.y:
        loss_gap = max(LOSS_GAP, c.loss_label_width + MIN_DIAGONAL + 2)
    fixed = sum(widths) + loss_gap
    spare = width - fixed - sum(min_gaps)
    if spare < 0 and not force:
        return None
    extra = max(0, spare) // max(1, n_layers - 1)
    gaps = [min(max(MAX_GAP, g), g + extra) for g in min_gaps]
    return widths, gaps, loss_gap, max(0, (width - fixed - sum(gaps)) // 2)


def _shown(layout: Layout) -> int:
    return sum(len(c.units) for c in layout.columns)


def capacity(height: int, box: int, gap: int) -> int:
    """How many slots of `box` rows (markers count as one box) fit in `height` rows with `gap` between."""
    return max(1, (height + gap) // (box + gap))


def _place(c: Content, width: int, height: int, offsets: dict[int, int], style: str, gap_rows: int,
           labels: Choice | None, force: bool = False) -> Layout | None:
    n_layers = len(c.sizes)
    got = _widths(c, width, style, labels, force)
    if got is None:
        return None
    widths, gaps, loss_gap, x = got
    label_rows = _rows(c, labels)
    columns: list[Column] = []
    for layer in range(n_layers + 1):  # the last column: the loss
        n = c.sizes[layer] if layer < n_layers else 1
        ports = c.sizes[layer - 1] if labels and 0 < layer < n_layers else 0
        if ports and (c.sizes[layer - 1] > _cap_of(columns[-1]) or (style == "compact" and ports > 1)):
            return None  # a source without a port (hidden, or no room): no labels rather than unnamed weights
        box_h = 1 if style == "compact" else 2 + max(c.full_rows[layer], ports * label_rows[layer] if ports else 0)
        rows, off = window(n, capacity(height, box_h, gap_rows), offsets.get(layer, 0))
        columns.append(_column(layer, x, widths[layer], rows, off, box_h, height, gap_rows))
        x += widths[layer] + (gaps[layer] if layer < n_layers - 1 else loss_gap)
    layout = Layout(width, height, style, tuple(columns), (), labels is not None,
                    by_layer={col.layer: col for col in columns}, forms=labels.forms if labels else (),
                    loss_labels=bool(labels and labels.y and c.loss_label_width))
    spans = [_label(c, labels, i) for i in range(n_layers)]
    for i in range(1, n_layers):  # a spare cell keeps a label's lower lines off the target's border
        w, r = spans[i]
        if w and r > 1 and gaps[i - 1] > w + MIN_DIAGONAL + 2:
            spans[i] = (w + 1, r)
    return _with_edges(layout, c, spans)


def _cap_of(col: Column) -> int:
    return len(col.slots) if not any(s.is_marker for s in col.slots) else 0


def _column(layer: int, x: int, width: int, rows: list[tuple[int, int, int]], offset: int, box_h: int,
            height: int, gap: int) -> Column:
    heights = [box_h if u >= 0 else 1 for u, _, _ in rows]
    total = sum(heights) + gap * (len(rows) - 1)
    y = max(0, (height - total) // 2)
    slots = []
    for (unit, first, last), h in zip(rows, heights, strict=True):
        slots.append(Slot(y, h, unit, first, last))
        y += h + gap
    return Column(layer, x, width, tuple(slots), offset)


def _with_edges(layout: Layout, c: Content, label_ws: list[tuple[int, int]]) -> Layout:
    edges: list[Edge] = []
    last = len(c.sizes) - 1
    for layer in range(1, last + 2):
        src_col, dst_col = layout.by_layer[layer - 1], layout.by_layer[layer]
        x0, x2 = src_col.x + src_col.width, dst_col.x - 1
        sources = src_col.units
        for d in dst_col.slots:
            if d.is_marker:
                continue
            inner = list(range(d.y + 1, d.y + d.height - 1)) if layout.style == "full" else [d.y]
            for i, s in enumerate(sources):
                slot = src_col.slot_of(s)
                assert slot is not None
                y0 = slot.y + slot.height // 2
                if layer <= last:  # a weight: sloped, then the labelled run into its port
                    label_w, label_rows = label_ws[layer]
                    port = _port(inner, i, len(sources), label_rows)
                    x1 = x2 - label_w - 1 if label_w else x2 - 1
                    edges.append(Edge(layer, s, d.unit, (x0, y0, x1, port), (port, x1 + 1, x2),
                                      x1 + 1 if label_w else 0, label_w, label_rows))
                else:  # into the loss: the labelled run out of the output first, then sloped
                    lw = c.loss_label_width if layout.loss_labels else 0
                    x1 = x0 + lw
                    edges.append(Edge(layer, s, 0, (x1, y0, x2, d.y + d.height // 2), (y0, x0, x1 - 1),
                                      x0 if lw else 0, lw))
    return Layout(layout.width, layout.height, layout.style, layout.columns, tuple(edges), layout.labels,
                  by_layer=layout.by_layer, forms=layout.forms, loss_labels=layout.loss_labels)


def _port(rows: list[int], i: int, n: int, k: int = 1) -> int:
    """Port i of n on a box's inner rows, each with the k − 1 rows below it free for its label's further
    lines: k rows each when they fit, spread out when rows are spare."""
    if not rows:
        return 0
    if n > len(rows) // k:  # no room for the labels (they are off): the ports meet in the middle
        return rows[len(rows) // 2]
    rows = rows[: len(rows) - (k - 1)]
    if n <= 1:
        return rows[len(rows) // 2]
    return rows[round(i * (len(rows) - 1) / (n - 1))]


# -- drawing a sloped edge in braille dots -------------------------------------------------------------
@lru_cache(maxsize=4096)
def line_dots(x0: int, y0: int, x1: int, y1: int, thick: bool = False) -> dict[tuple[int, int], int]:
    """The braille cells of a straight line between two cell centres: {(x, y): dot bits} (Bresenham).

    Cached: the same geometry is drawn again with new colours as training runs (do not mutate the result)."""
    cells: dict[tuple[int, int], int] = {}
    ax, ay, bx, by = 2 * x0, 4 * y0 + 1, 2 * x1 + 1, 4 * y1 + 2
    dx, dy = abs(bx - ax), -abs(by - ay)
    sx, sy = (1 if bx >= ax else -1), (1 if by >= ay else -1)
    err = dx + dy
    while True:
        for ox, oy in ((ax, ay), (ax, ay + 1)) if thick else ((ax, ay),):
            cx, cy = ox // 2, oy // 4
            cells[(cx, cy)] = cells.get((cx, cy), 0) | DOTS[ox % 2][oy % 4]
        if ax == bx and ay == by:
            break
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            ax += sx
        if e2 <= dx:
            err += dx
            ay += sy
    return cells


def braille(bits: int) -> str:
    return chr(BRAILLE + bits)
