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
from typing import NamedTuple

from rich.cells import cell_len

from backprop_tui.circuit.glyphs import DOWN, LEFT, RIGHT, UP, Glyphs
from backprop_tui.circuit.model import Model
from backprop_tui.circuit.structure import Slot, Structure
from backprop_tui.numbers import short

Ref = str | tuple[str, str]  # a node's name, or an edge (src, dst)
USES_SHOWN = 2


@dataclass(frozen=True)
class Detail:
    """How much each label says: significant digits, and full formulas in the gates or ƒ."""

    digits: int = 4
    full_gates: bool = True
    ascii: bool = False


class Span(NamedTuple):
    x: int
    text: str  # for a number's label: its text at the end of the trace, which sets the slot's width
    kind: str  # wire, cross, arrow, gate, name, value, grad, local, share, stub, uses
    ref: Ref
    width: int


@dataclass
class Canvas:
    width: int
    height: int
    rows: list[list[Span]]
    starts: list[list[int]] = field(default_factory=list)
    boxes: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # name -> x0, y0, x1, y1

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

    def num(self, v: float | None) -> str:
        got = self._num.get(v)
        if got is None:
            got = self._num[v] = self.g.none if v is None else short(v, self.d.digits)
        return got

    def value(self, name: str) -> str:
        return self.num(self.m.values[name])

    def grad(self, name: str) -> str:
        return self.num(self.m.grads.get(name))

    def local(self, src: str, dst: str) -> str:
        return f"{self.g.partial}={self.num(self.m.local[(dst, src)])}"

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


def draw(st: Structure, detail: Detail = Detail()) -> Canvas:
    g = Glyphs(detail.ascii)
    t = _Texts(st.model, detail, g)
    plans = gap_plans(st)
    rows: list[list[Span]] = [[] for _ in range(st.height)]
    boxes: dict[str, tuple[int, int, int, int]] = {}
    x = 0
    for i, layer in enumerate(st.layers):
        ports, glyph, stem = _zone_widths(st, layer, t)
        _draw_layer(st, layer, x, ports, glyph, stem, t, g, rows, boxes)
        x += ports + glyph + stem
        if i < len(plans):
            plans[i].draw(x, g, rows)
            x += plans[i].width
    canvas = Canvas(x, st.height, rows, boxes=boxes)
    for row in rows:
        row.sort(key=lambda s: s.x)
    canvas.starts = [[s.x for s in row] for row in rows]
    return canvas


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
        uses = uses_text(st, n.name, t.g)
        if uses:
            value += 1 + cells(uses)
        stem = max(stem, value + 2, cells(t.grad(n.name)) + 2)
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
        uses = uses_text(st, n.name, g)
        if uses:
            rows[s.row - 1].append(Span(stem_x + 2 + cells(value), uses, "uses", n.name, cells(uses)))
        grad = t.grad(n.name)
        rows[s.row + 1].append(Span(stem_x + 1, grad, "grad", n.name, cells(grad)))
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


# -- between two columns ----------------------------------------------------------------------------
def _nets(layer: list[Slot]) -> list[tuple[str, int, list[int]]]:
    """Per wire leaving this column: its source, its row, and the rows it must reach in the next."""
    out = []
    for s in layer:
        targets = []
        for c in s.succs:
            if c.node:
                targets.extend(p.row for p in c.ports if p.src == s.src and p.drawn)
            else:
                targets.append(c.row)
        if targets:
            out.append((s.src, s.row, targets))
    return out


@dataclass
class GapPlan:
    """The wires between two columns, in cells from the gap's left edge: straight runs and track cells."""

    width: int
    straight: list[tuple[int, str]]  # (row, src)
    cells: dict[tuple[int, int], list]  # (row, dx) -> [box flags, or -1 where two wires cross; src]

    def draw(self, x: int, g: Glyphs, rows: list[list[Span]]) -> None:
        for row, src in self.straight:
            rows[row].append(Span(x, g.h * self.width, "wire", src, self.width))
        for (r, c), (flags, src) in self.cells.items():
            if flags == -1:
                rows[r].append(Span(x + c, g.cross, "cross", src, 1))
            else:
                rows[r].append(Span(x + c, g.box(flags), "wire", src, 1))


def gap_plans(st: Structure) -> list[GapPlan]:
    """One plan per gap; they depend on rows only, not on any text, so they are made once per structure."""
    plans = getattr(st, "_gap_plans", None)
    if plans is None:
        plans = [_plan_gap(st.layers[i]) for i in range(len(st.layers) - 1)]
        st._gap_plans = plans  # type: ignore[attr-defined]
    return plans


def _plan_gap(layer: list[Slot]) -> GapPlan:
    nets = _nets(layer)
    bent = [(src, row, targets) for src, row, targets in nets if any(r != row for r in targets)]
    columns = _assign_tracks([(min(row, *ts), max(row, *ts)) for _, row, ts in bent])
    k = max(columns, default=-1) + 1
    width = 2 * k if k else 2  # a margin, then tracks a cell apart; the ports begin with a wire
    if k > 1 and _crossings(bent, columns, k, reverse=True) < _crossings(bent, columns, k, reverse=False):
        columns = [k - 1 - c for c in columns]
    cells: dict[tuple[int, int], list] = {}

    def mark(r: int, c: int, flags: int, src: str) -> None:
        cell = cells.get((r, c))
        if cell is None:
            cells[(r, c)] = [flags, src]
        elif cell[1] == src:
            cell[0] |= flags
        else:
            cell[0] = -1  # two wires cross here

    for (src, row, targets), col in zip(bent, columns, strict=True):
        tx = 1 + 2 * col
        lo, hi = min(row, *targets), max(row, *targets)
        for c in range(tx):
            mark(row, c, LEFT | RIGHT, src)
        mark(row, tx, LEFT, src)
        for r in range(lo, hi + 1):
            mark(r, tx, (UP if r > lo else 0) | (DOWN if r < hi else 0), src)
        for r in targets:
            mark(r, tx, RIGHT, src)
            for c in range(tx + 1, width):
                mark(r, c, LEFT | RIGHT, src)
    straight = [(row, src) for src, row, targets in nets if all(r == row for r in targets)]
    return GapPlan(width, straight, cells)


def _assign_tracks(spans: list[tuple[int, int]]) -> list[int]:
    """Shortest first, each in the first track free over its rows (with a row between): nested wires nest."""
    taken: list[list[tuple[int, int]]] = []
    out = [0] * len(spans)
    for i in sorted(range(len(spans)), key=lambda i: (spans[i][1] - spans[i][0], spans[i][0])):
        lo, hi = spans[i]
        for c, used in enumerate(taken):
            if all(hi < a or lo > b for a, b in used):
                used.append((lo, hi))
                out[i] = c
                break
        else:
            taken.append([(lo, hi)])
            out[i] = len(taken) - 1
    return out


def _crossings(bent: list[tuple[str, int, list[int]]], columns: list[int], k: int, reverse: bool) -> int:
    cols = [k - 1 - c for c in columns] if reverse else columns
    count = 0
    for i, (_, row, targets) in enumerate(bent):
        for j, (_, row2, targets2) in enumerate(bent):
            if i == j:
                continue
            lo, hi = min(row2, *targets2), max(row2, *targets2)
            if cols[j] < cols[i] and lo < row < hi:
                count += 1
            if cols[j] > cols[i]:
                count += sum(1 for r in targets if lo < r < hi)
    return count


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
