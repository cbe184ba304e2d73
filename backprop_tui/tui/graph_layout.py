"""Where the graph's boxes and arrows go: pure geometry, computed once per trace.

Nodes are stacked in source order (a topological order), one box each. Edges run in lanes to the left
of the boxes: out of the source's bottom row, down, and into the consumer's row for that input, where the
local derivative is written. Lanes are reused once an edge ends (interval colouring), so a long chain
needs only a couple of lanes. Edges that find no free lane are listed in the box but not drawn.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from backprop_tui.engine import symbolic as S
from backprop_tui.engine.trace import Trace
from backprop_tui.lang.expr import Num, Op

MAX_LANES = 12
GAP = 1  # blank rows between boxes
UP, DOWN, LEFT, RIGHT, ARROW = 1, 2, 4, 8, 16
_CHARS = {
    UP | DOWN: "│", LEFT | RIGHT: "─", DOWN | RIGHT: "╭", UP | RIGHT: "╰", DOWN | LEFT: "╮", UP | LEFT: "╯",
    UP | DOWN | RIGHT: "├", UP | DOWN | LEFT: "┤", DOWN | LEFT | RIGHT: "┬", UP | LEFT | RIGHT: "┴",
    UP | DOWN | LEFT | RIGHT: "┼", LEFT: "─", RIGHT: "─", UP: "│", DOWN: "│",
}


def cell_char(flags: int) -> str:
    if flags & ARROW:
        return "▶"
    return _CHARS.get(flags, " ")


@dataclass
class Box:
    index: int
    name: str
    op: str
    top: int
    inputs: list[str]  # the names this statement reads, one row each
    consumers: list[str]

    @property
    def height(self) -> int:
        return 4 + len(self.inputs)

    @property
    def value_row(self) -> int:
        return self.top + 1

    @property
    def grad_row(self) -> int:
        return self.top + 2

    def input_row(self, k: int) -> int:
        return self.top + 3 + k

    @property
    def out_row(self) -> int:
        """Edges leave from the bottom border: below the rows where this box's own inputs arrive."""
        return self.top + self.height - 1


@dataclass
class Edge:
    index: int
    src: str
    dst: str
    lane: int | None


@dataclass
class GraphLayout:
    boxes: list[Box]
    by_name: dict[str, Box]
    edges: list[Edge]
    lanes: int
    height: int
    row_box: list[int]  # per row: the index of the box drawn there, or -1
    cells: dict[int, dict[int, list]] = field(default_factory=dict)  # row -> col -> [flags, {edge ids}]

    @property
    def lanes_width(self) -> int:
        return 2 * self.lanes + 1 if self.lanes else 0

    def edge_ids(self, src: str | None = None, dst: str | None = None) -> set[int]:
        return {e.index for e in self.edges if (src is None or e.src == src) and (dst is None or e.dst == dst)}


def op_label(trace: Trace, name: str) -> str:
    a = trace.program.get(name)
    if isinstance(a.expr, Num):
        return "constant" if a.constant else "input"
    text = S.render(a.expr) if isinstance(a.expr, Op) else a.expr.name
    if text is None:
        return "expression"
    return text if not a.constant else f"{text} (constant)"


def layout(trace: Trace) -> GraphLayout:
    boxes: list[Box] = []
    top = 0
    consumers: dict[str, list[str]] = {n: [] for n in trace.names}
    for loc in trace.locals:
        consumers[loc.wrt].append(loc.of)
    inputs: dict[str, list[str]] = {n: [] for n in trace.names}
    for loc in trace.locals:
        inputs[loc.of].append(loc.wrt)
    shown = display_order(trace)
    order = {a.name: i for i, a in enumerate(shown)}
    for names in inputs.values():  # the latest-defined input on top: edges nest instead of crossing
        names.sort(key=lambda n: -order[n])
    row_box: list[int] = []
    for i, a in enumerate(shown):
        box = Box(i, a.name, op_label(trace, a.name), top, inputs[a.name], consumers[a.name])
        boxes.append(box)
        row_box.extend([i] * box.height + [-1] * GAP)
        top += box.height + GAP
    by_name = {b.name: b for b in boxes}
    edges = [Edge(i, loc.wrt, loc.of, None) for i, loc in enumerate(trace.locals)]
    lanes = _assign_lanes(edges, by_name)
    out = GraphLayout(boxes, by_name, edges, lanes, top, row_box)
    _draw(out)
    return out


def display_order(trace: Trace) -> list:
    """Source order, except that each input waits until just before its first use: fewer crossings."""
    out, waiting = [], {}
    for a in trace.program.assignments:
        if not a.reads:
            waiting[a.name] = a
            continue
        for name in a.reads:
            if name in waiting:
                out.append(waiting.pop(name))
        out.append(a)
    return out + list(waiting.values())


def _span(e: Edge, by_name: dict[str, Box]) -> tuple[int, int]:
    dst = by_name[e.dst]
    return by_name[e.src].out_row, dst.input_row(dst.inputs.index(e.src))


def _assign_lanes(edges: list[Edge], by_name: dict[str, Box]) -> int:
    """Shortest edges first, each in the innermost lane free over its whole span: nested spans nest."""
    lanes: list[tuple[list[int], list[int]]] = []  # per lane: sorted starts, and the matching ends

    def free(lane: tuple[list[int], list[int]], start: int, end: int) -> bool:
        starts, ends = lane
        i = bisect.bisect_left(starts, start)
        return (i == 0 or ends[i - 1] < start) and (i == len(starts) or starts[i] > end)

    for e in sorted(edges, key=lambda e: (_span(e, by_name)[1] - _span(e, by_name)[0], e.index)):
        start, end = _span(e, by_name)
        for i, lane in enumerate(lanes):
            if free(lane, start, end):
                e.lane = i
                break
        else:
            if len(lanes) >= MAX_LANES:
                continue
            lanes.append(([], []))
            e.lane = len(lanes) - 1
        starts, ends = lanes[e.lane]
        j = bisect.bisect_left(starts, start)
        starts.insert(j, start)
        ends.insert(j, end)
    return len(lanes)


def _draw(g: GraphLayout) -> None:
    right = g.lanes_width - 1

    def mark(row: int, col: int, flags: int, edge: int) -> None:
        cell = g.cells.setdefault(row, {}).setdefault(col, [0, set()])
        cell[0] |= flags
        cell[1].add(edge)

    for e in g.edges:
        if e.lane is None:
            continue
        col = right - 1 - 2 * e.lane
        start, end = _span(e, g.by_name)
        mark(start, col, DOWN | RIGHT, e.index)
        for c in range(col + 1, right + 1):
            mark(start, c, LEFT | RIGHT, e.index)
        for r in range(start + 1, end):
            mark(r, col, UP | DOWN, e.index)
        mark(end, col, UP | RIGHT, e.index)
        for c in range(col + 1, right):
            mark(end, c, LEFT | RIGHT, e.index)
        mark(end, right, ARROW, e.index)
