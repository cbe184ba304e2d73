"""Widths in cells, the tracks between columns, and every row of the drawing as a list of spans.

A column is three zones side by side:

    ports         glyph           stem
    ─∂=2─▶┐                       (value above the stem)
    ─∂=1─▶┤x·w1+b1├ y1  ───────   (the node's wire, named)
    ─∂=1─▶┘                       (gradient below the stem)

the ports where inputs enter (each with its local derivative, a stub's with the far value's name, a fork's
branch with its share of the gradient on the row below), the node's glyph (a leaf's name, or the gate and
the name of its output), and the stem that carries the value (above) and the gradient (below). Between two
columns, vertical tracks join each wire to the ports it feeds: one track per wire, the fewest columns that
keep overlapping tracks apart. Every label has a slot as wide as its final text, so nothing moves as the
steps reveal numbers, and no two labels can overlap (each lives in its own zone of its own slot's rows).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from rich.cells import cell_len

from backprop_tui.circuit.gaps import gap_plans
from backprop_tui.circuit.glyphs import Glyphs
from backprop_tui.circuit.model import Model
from backprop_tui.circuit.spans import Span
from backprop_tui.circuit.structure import Slot, Structure
from backprop_tui.numbers import short

USES_SHOWN = 2


@dataclass(frozen=True)
class Detail:
    """How much each label says: significant digits, and full formulas in the gates or ƒ."""

    digits: int = 4
    full_gates: bool = True
    ascii: bool = False


@dataclass
class Canvas:
    width: int
    height: int
    rows: list[list[Span]]
    starts: list[list[int]] = field(default_factory=list)
    boxes: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # name -> x0, y0, x1, y1
    # a drawing wrapped in bands (circuit.bands): (first layer, rows added to a structure row) per band
    shifts: list[tuple[int, int]] = field(default_factory=lambda: [(0, 0)])

    def row_of(self, layer: int, row: int) -> int:
        """The canvas row of a structure row in `layer` (a band lower down adds its shift)."""
        shift = 0
        for first, by in self.shifts:
            if layer >= first:
                shift = by
        return row + shift

    @property
    def bands(self) -> int:
        return len(self.shifts)

    def spans_between(self, row: int, x0: int, x1: int) -> list[Span]:
        """The spans of `row` that overlap cells [x0, x1)."""
        if not 0 <= row < self.height:
            return []
        spans, starts = self.rows[row], self.starts[row]
        i = max(0, bisect.bisect_right(starts, x0) - 1)
        out = []
        while i < len(spans) and spans[i].x < x1:
            s = spans[i]
            if s.x + s.width > x0:
                out.append(s)
            i += 1
        return out

    def at(self, row: int, x: int) -> Span | None:
        got = self.spans_between(row, x, x + 1)
        return got[0] if got else None


def cells(text: str, _cache: dict[str, int] = {}) -> int:  # noqa: B006 (a cache for the process)
    """Terminal cells of text (rich's cell_len, remembered: labels repeat)."""
    got = _cache.get(text)
    if got is None:
        got = _cache[text] = cell_len(text)
        if len(_cache) > 50_000:
            _cache.clear()
    return got


class _Texts:
    def __init__(self, model: Model, detail: Detail, g: Glyphs) -> None:
        self.m, self.d, self.g = model, detail, g
        self._num: dict[float | None, str] = {}
        self._local: dict[tuple[str, str], str] = {}  # measured, then drawn: made once
        self._uses: dict[str, str] = {}

    def num(self, v: float | None) -> str:
        got = self._num.get(v)
        if got is None:
            got = self._num[v] = self.g.none if v is None else short(v, self.d.digits)
        return got

    def value(self, name: str) -> str:
        return self.num(self.m.values[name])

    def grad(self, name: str) -> str:
        return self.num(self.m.grads.get(name))

    def accumulated(self, name: str) -> str:
        """`.grad 9` after a leaf's gradient when it adds to an earlier pass's ('' otherwise)."""
        got = self.m.accumulated.get(name)
        return "" if got is None else f".grad {self.num(got)}"

    def local(self, src: str, dst: str) -> str:
        got = self._local.get((src, dst))
        if got is None:
            got = self._local[(src, dst)] = f"{self.g.partial}={self.num(self.m.local[(dst, src)])}"
        return got

    def uses(self, st: Structure, name: str) -> str:
        got = self._uses.get(name)
        if got is None:
            got = self._uses[name] = uses_text(st, name, self.g)
        return got

    def share(self, src: str, dst: str) -> str:
        return self.num(self.m.share(src, dst))

    def gate(self, name: str) -> str:
        n = self.m.by_name[name]
        return n.gate if self.d.full_gates else n.gate_short


def uses_text(st: Structure, name: str, g: Glyphs) -> str:
    far = st.stubs.get(name, [])
    if not far:
        return ""
    shown = " ".join(far[:USES_SHOWN])
    more = f" +{len(far) - USES_SHOWN}" if len(far) > USES_SHOWN else ""
    return f"{g.to} {shown}{more}"


def measure(st: Structure, detail: Detail = Detail()) -> int:
    """The drawing's width in cells at this detail, without drawing it."""
    t = _Texts(st.model, detail, Glyphs(detail.ascii))
    return sum(sum(_zone_widths(st, layer, t)) for layer in st.layers) + sum(p.width for p in gap_plans(st))


def draw(st: Structure, detail: Detail = Detail(), cuts: tuple[int, ...] = ()) -> Canvas:
    """The drawing at this detail; with `cuts` (layers that begin a new band), wrapped in bands stacked top
    to bottom (circuit.bands)."""
    if cuts:
        from backprop_tui.circuit.bands import draw_bands

        return draw_bands(st, detail, cuts)
    from backprop_tui.circuit.lazy import LAZY_FROM, LazyCanvas

    if len(st.layers) >= LAZY_FROM:
        return LazyCanvas(st, detail)  # spans drawn a chunk of columns at a time, when looked at
    g = Glyphs(detail.ascii)
    t = _Texts(st.model, detail, g)
    rows: list[list[Span]] = [[] for _ in range(st.height)]
    boxes: dict[str, tuple[int, int, int, int]] = {}
    x = draw_layers(st, 0, len(st.layers), 0, t, g, rows, boxes)
    return finish(Canvas(x, st.height, rows, boxes=boxes))


def finish(canvas: Canvas) -> Canvas:
    for row in canvas.rows:
        row.sort(key=lambda s: s.x)
    canvas.starts = [[s.x for s in row] for row in canvas.rows]
    return canvas


def layer_widths(st: Structure, t: _Texts) -> list[int]:
    return [sum(_zone_widths(st, layer, t)) for layer in st.layers]


def draw_layers(st: Structure, lo: int, hi: int, x: int, t: _Texts, g: Glyphs, rows: list[list[Span]],
                boxes: dict[str, tuple[int, int, int, int]], gap_after: bool = False) -> int:
    """Layers lo..hi-1 from column x, with the gaps between them (and the one after the last, with
    `gap_after`); the x after the last."""
    plans = gap_plans(st)
    for i in range(lo, hi):
        ports, glyph, stem = _zone_widths(st, st.layers[i], t)
        _draw_layer(st, st.layers[i], x, ports, glyph, stem, t, g, rows, boxes)
        x += ports + glyph + stem
        if i < hi - 1 or gap_after:
            plans[i].draw(x, g, rows)
            x += plans[i].width
    return x


def _entering(t: _Texts, src: str, dst: str, drawn: bool) -> str:
    """The text of a port, from its wire to the gate: `─∂=2─▶`, or a stub's `w3 ─∂=2─▶`."""
    g = t.g
    text = f"{g.h}{t.local(src, dst)}{g.h}{g.arrow}"
    return text if drawn else f"{src} {text}"


def _zone_widths(st: Structure, layer: list[Slot], t: _Texts) -> tuple[int, int, int]:
    ports = glyph = 0
    stem = 0
    for s in layer:
        if not s.node:
            continue
        n = st.model.by_name[s.key]
        for p in s.ports:
            ports = max(ports, cells(_entering(t, p.src, n.name, p.drawn)))
            if p.share:
                ports = max(ports, cells(t.share(p.src, n.name)) + 3)
        w = cells(n.name)
        if not n.is_leaf:
            w += cells(t.gate(n.name)) + 3
        glyph = max(glyph, w + 1)
        value = cells(t.value(n.name))
        uses = t.uses(st, n.name)
        if uses:
            value += 1 + cells(uses)
        grad = cells(t.grad(n.name))
        if t.accumulated(n.name):
            grad += 2 + cells(t.accumulated(n.name))
        stem = max(stem, value + 2, grad + 2)
    return ports, glyph, max(stem, 4)


def _draw_layer(st: Structure, layer: list[Slot], x: int, ports: int, glyph: int, stem: int, t: _Texts,
                g: Glyphs, rows: list[list[Span]], boxes: dict[str, tuple[int, int, int, int]]) -> None:
    width = ports + glyph + stem
    stem_x = x + ports + glyph
    for s in layer:
        if not s.node:
            rows[s.row].append(Span(x, g.h * width, "wire", s.src, width))
            continue
        n = st.model.by_name[s.key]
        name_w = cells(n.name)
        name_x = stem_x - 1 - name_w
        rows[s.row].append(Span(name_x, n.name, "name", n.name, name_w))
        rows[s.row].append(Span(stem_x, g.h * stem, "wire", n.name, stem))
        value = t.value(n.name)
        rows[s.row - 1].append(Span(stem_x + 1, value, "value", n.name, cells(value)))
        uses = t.uses(st, n.name)
        if uses:
            rows[s.row - 1].append(Span(stem_x + 2 + cells(value), uses, "uses", n.name, cells(uses)))
        grad = t.grad(n.name)
        rows[s.row + 1].append(Span(stem_x + 1, grad, "grad", n.name, cells(grad)))
        total = t.accumulated(n.name)
        if total:
            rows[s.row + 1].append(Span(stem_x + 3 + cells(grad), total, "accumulated", n.name, cells(total)))
        left = name_x
        if not n.is_leaf:
            gate = t.gate(n.name)
            gate_x = name_x - 3 - cells(gate)  # ┤gate├ and a space before the name
            text = f"{g.gate_left}{gate}{g.gate_right}"
            rows[s.row].append(Span(gate_x, text, "gate", n.name, cells(text)))
            _draw_ports(st, s, x, gate_x, t, g, rows)
            left = x
        top, bottom = s.row - s.above, s.row + s.below
        boxes[n.name] = (left, top, x + width, bottom)


def _draw_ports(st: Structure, s: Slot, x: int, gate_x: int, t: _Texts, g: Glyphs,
                rows: list[list[Span]]) -> None:
    first, last = s.ports[0].row, s.ports[-1].row
    port_rows = {p.row for p in s.ports}
    for r in range(first, last + 1):
        if r == s.row:
            continue  # the gate's own text starts there
        ch = g.gate_top if r == first else g.gate_bottom if r == last else g.gate_mid if r in port_rows \
            else g.gate_side
        rows[r].append(Span(gate_x, ch, "gate", s.key, 1))
    for p in s.ports:
        edge = (p.src, s.key)
        label = t.local(p.src, s.key)
        lw = cells(label)
        arrow_x = gate_x - 1
        label_x = arrow_x - 1 - lw
        rows[p.row].append(Span(arrow_x - 1, g.h, "wire", edge, 1))
        rows[p.row].append(Span(arrow_x, g.arrow, "arrow", edge, 1))
        rows[p.row].append(Span(label_x, label, "local", edge, lw))
        if p.drawn:
            rows[p.row].append(Span(x, g.h * (label_x - x), "wire", edge, label_x - x))
        else:
            rows[p.row].append(Span(label_x - 1, g.h, "wire", edge, 1))
            sw = cells(p.src)
            rows[p.row].append(Span(label_x - 2 - sw, p.src, "stub", edge, sw))
        if p.share:
            share = t.share(p.src, s.key)
            w = cells(share)
            rows[p.row + 1].append(Span(label_x + lw - w, share, "share", edge, w))


def plain(canvas: Canvas, row: int) -> str:
    """One row as plain text with every label at its final value (for tests and the ASCII dump)."""
    out: list[str] = []
    at = 0
    for s in canvas.rows[row]:
        if s.x > at:
            out.append(" " * (s.x - at))
        out.append(s.text)
        at = s.x + s.width
    return "".join(out).rstrip()
