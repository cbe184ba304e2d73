"""A long drawing drawn a chunk of columns at a time, when a chunk is first looked at.

bench/step_time.py's 1,000-node program is ~900 columns and 30,000 cells wide; the panel shows five of
them. Where every column is known (its x, from the cells its texts take) and every node's box with it,
the spans themselves can wait until a row of that chunk is drawn on screen: opening the program then
spends ~7 ms measuring instead of ~30 ms drawing spans it may never show. Asking for `rows` (tests, the
ASCII dump) draws every chunk. The result is the same drawing, span for span, as canvas.draw's.
"""

from __future__ import annotations

import bisect

from backprop_tui.circuit.canvas import Canvas, Detail, _Texts, _zone_widths, cells, draw_layers
from backprop_tui.circuit.gaps import gap_plans
from backprop_tui.circuit.glyphs import Glyphs
from backprop_tui.circuit.spans import Span
from backprop_tui.circuit.structure import Structure

CHUNK = 24  # columns drawn together
LAZY_FROM = 3 * CHUNK  # columns: a shorter drawing is drawn at once


class LazyCanvas(Canvas):
    """Canvas's interface (width, height, boxes, rows, spans_between, at), its spans drawn per chunk."""

    def __init__(self, st: Structure, detail: Detail) -> None:
        self._st = st
        self._g = Glyphs(detail.ascii)
        self._t = _Texts(st.model, detail, self._g)
        plans = gap_plans(st)
        boxes: dict[str, tuple[int, int, int, int]] = {}
        xs, x = [], 0  # each column's x
        for i, layer in enumerate(st.layers):
            xs.append(x)
            zones = _zone_widths(st, layer, self._t)
            _box_layer(st, layer, x, zones, boxes)
            x += sum(zones) + (plans[i].width if i < len(plans) else 0)
        super().__init__(x, st.height, [], boxes=boxes)
        self._firsts = list(range(0, len(st.layers), CHUNK))  # each chunk's first column
        self._xs = [xs[i] for i in self._firsts]
        self._chunks: list[list[list[Span]] | None] = [None] * len(self._firsts)
        self._all: list[list[Span]] | None = None

    def _chunk(self, c: int) -> list[list[Span]]:
        got = self._chunks[c]
        if got is None:
            lo = self._firsts[c]
            hi = min(lo + CHUNK, len(self._st.layers))
            got = [[] for _ in range(self.height)]
            draw_layers(self._st, lo, hi, self._xs[c], self._t, self._g, got, {}, gap_after=hi < len(self._st.layers))
            for row in got:
                row.sort(key=lambda s: s.x)
            self._chunks[c] = got
        return got

    @property
    def rows(self) -> list[list[Span]]:  # type: ignore[override]
        if self._all is None:
            self._all = [[] for _ in range(self.height)]
            for c in range(len(self._firsts)):
                for r, spans in enumerate(self._chunk(c)):
                    self._all[r].extend(spans)
        return self._all

    @rows.setter
    def rows(self, value: list[list[Span]]) -> None:  # Canvas.__init__ sets it; the chunks are the truth
        pass

    def spans_between(self, row: int, x0: int, x1: int) -> list[Span]:
        if not 0 <= row < self.height:
            return []
        first = max(0, bisect.bisect_right(self._xs, x0) - 1)
        out: list[Span] = []
        for c in range(first, len(self._xs)):
            if self._xs[c] >= x1:
                break
            out.extend(s for s in self._chunk(c)[row] if s.x < x1 and s.x + s.width > x0)
        return out


def _box_layer(st: Structure, layer: list, x: int, zones: tuple[int, int, int],
               boxes: dict[str, tuple[int, int, int, int]]) -> None:
    """Each node's box in this column, as canvas._draw_layer would record it, without drawing."""
    ports, glyph, stem = zones
    stem_x, width = x + ports + glyph, ports + glyph + stem
    for s in layer:
        if not s.node:
            continue
        n = st.model.by_name[s.key]
        left = x if not n.is_leaf else stem_x - 1 - cells(n.name)
        boxes[n.name] = (left, s.row - s.above, x + width, s.row + s.below)
