"""A circuit too wide for its panel, wrapped in bands stacked top to bottom, as a line of text wraps.

A band is a run of whole columns. Where one ends, each wire crossing to the next band runs on past the
band's right edge, turns down, runs back left under the band on a return row of its own, and drops into
the next band beside the port it feeds:

    ┤+├ f.4 ────────╮
               0.197│
    ╭───────────────╯
    │      -1
    ╰─∂=-1─▶┤−x├ f.5 ───────

so every wire stays one unbroken line and every label keeps its place above or below its own wire. A band
may end only where at most MAX_WIRES wires cross (a chain's single wire is the natural place); the wires
take their lanes in the order of their rows, so a few of them never cross each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from backprop_tui.circuit.canvas import Canvas, Detail, _Texts, draw_layers, finish, layer_widths
from backprop_tui.circuit.gaps import draw_cells, gap_plans, mark, nets, run, track
from backprop_tui.circuit.glyphs import LEFT, RIGHT, Glyphs
from backprop_tui.circuit.spans import Span
from backprop_tui.circuit.structure import Structure

MAX_WIRES = 3  # wires that may cross from one band to the next
MAX_LAYERS = 40  # columns beyond which no banding is tried (such a drawing scrolls)


@dataclass(frozen=True)
class Geometry:
    """What banding needs to know of a drawing at one detail, per column and per gap."""

    widths: list[int]  # each column's cells
    gaps: list[int]  # each gap's cells (gap i lies between columns i and i + 1)
    crossing: list[int]  # wires through each gap: the lanes a band ending there needs
    spans: list[tuple[int, int]]  # each column's first and last row

    def band_width(self, lo: int, hi: int) -> int:
        """Columns lo..hi-1 as one band, with the lanes of the wires coming in and going on."""
        width = sum(self.widths[lo:hi]) + sum(self.gaps[lo:hi - 1])
        if lo > 0:
            width += 2 * self.crossing[lo - 1]
        if hi < len(self.widths):
            width += 2 * self.crossing[hi - 1] + 1
        return width

    def band_height(self, lo: int, hi: int) -> int:
        return max(b for _, b in self.spans[lo:hi]) - min(t for t, _ in self.spans[lo:hi]) + 1

    def height(self, cuts: tuple[int, ...]) -> int:
        bounds = bands_of(len(self.widths), cuts)
        return sum(self.band_height(lo, hi) for lo, hi in bounds) + sum(self.crossing[c - 1] for c in cuts)

    def width(self, cuts: tuple[int, ...]) -> int:
        return max(self.band_width(lo, hi) for lo, hi in bands_of(len(self.widths), cuts))


def geometry(st: Structure, detail: Detail) -> Geometry:
    t = _Texts(st.model, detail, Glyphs(detail.ascii))
    spans = []
    for layer in st.layers:
        spans.append((min(s.row - s.above for s in layer), max(s.row + s.below for s in layer)))
    crossing = [len(nets(layer)) for layer in st.layers[:-1]]
    return Geometry(layer_widths(st, t), [p.width for p in gap_plans(st)], crossing, spans)


def bands_of(n: int, cuts: tuple[int, ...]) -> list[tuple[int, int]]:
    edges = [0, *cuts, n]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def best_cuts(geo: Geometry, room: int, bands: int) -> tuple[int, ...] | None:
    """Where to cut into `bands` bands, each at most `room` cells wide: the fewest wires wrapped, then the
    narrowest widest band, then the widest narrowest one (even bands); None if no such cut exists."""
    n = len(geo.widths)
    places = [c for c in range(1, n) if 0 < geo.crossing[c - 1] <= MAX_WIRES]
    best: tuple[tuple[int, int, int], tuple[int, ...]] | None = None
    for cuts in combinations(places, bands - 1):
        widths = [geo.band_width(lo, hi) for lo, hi in bands_of(n, cuts)]
        if max(widths) > room:
            continue
        key = (sum(geo.crossing[c - 1] for c in cuts), max(widths), -min(widths))
        if best is None or key < best[0]:
            best = (key, cuts)
    return best[1] if best else None


def draw_bands(st: Structure, detail: Detail, cuts: tuple[int, ...]) -> Canvas:
    """The drawing in bands: columns cuts[i]..cuts[i+1]-1 each, the wires between them wrapped."""
    g = Glyphs(detail.ascii)
    t = _Texts(st.model, detail, g)
    geo = geometry(st, detail)
    bounds = bands_of(len(st.layers), cuts)
    rows: list[list[Span]] = []
    boxes: dict[str, tuple[int, int, int, int]] = {}
    shifts: list[tuple[int, int]] = []
    ends: list[int] = []  # each band's right edge
    tops: list[int] = []  # each band's first row
    width = 0
    for b, (lo, hi) in enumerate(bounds):
        top, bottom = min(geo.spans[i][0] for i in range(lo, hi)), max(geo.spans[i][1] for i in range(lo, hi))
        if b:
            rows.extend([] for _ in range(geo.crossing[lo - 1]))  # the return rows of the wires coming in
        shift = len(rows) - top
        tops.append(len(rows))
        scratch: list[list[Span]] = [[] for _ in range(st.height)]
        band_boxes: dict[str, tuple[int, int, int, int]] = {}
        x0 = 2 * geo.crossing[lo - 1] if lo else 0
        end = draw_layers(st, lo, hi, x0, t, g, scratch, band_boxes)
        rows.extend(scratch[top: bottom + 1])
        boxes.update({name: (x, y + shift, x1, y1 + shift) for name, (x, y, x1, y1) in band_boxes.items()})
        shifts.append((lo, shift))
        ends.append(end)
        width = max(width, end + (2 * geo.crossing[hi - 1] + 1 if hi < len(st.layers) else 0))
    for b in range(1, len(bounds)):
        _wrap(st, bounds[b][0], ends[b - 1], shifts[b - 1][1], shifts[b][1], tops[b], g, rows)
    return finish(Canvas(width, len(rows), rows, boxes=boxes, shifts=shifts))


def _wrap(st: Structure, first: int, end: int, above: int, below: int, top: int, g: Glyphs,
          rows: list[list[Span]]) -> None:
    """The wires from column first-1 (a band ending at x = end, its rows shifted by `above`) to column
    `first` (the next band, from row `top`, its rows shifted by `below`): out to the right, back along the
    return rows just above the next band, down into the ports. The topmost wire takes the outermost lanes,
    so none crosses another."""
    leaving = sorted(nets(st.layers[first - 1]), key=lambda n: n[1])
    k = len(leaving)
    base = top - k  # the first return row
    cells: dict[tuple[int, int], list] = {}
    for j, (src, row, targets) in enumerate(leaving):
        lane = 2 * (k - 1 - j)
        right, left, back = end + 1 + lane, lane, base + k - 1 - j
        source = row + above
        for c in range(end, right):
            mark(cells, source, c, LEFT | RIGHT, src)
        mark(cells, source, right, LEFT, src)
        track(cells, right, source, back, src)
        run(cells, back, left, right, src)
        ends = [r + below for r in targets]
        track(cells, left, back, max(ends), src)
        for r in ends:
            mark(cells, r, left, RIGHT, src)
            for c in range(left + 1, 2 * k):
                mark(cells, r, c, LEFT | RIGHT, src)
    draw_cells(cells, 0, 0, g, rows)
