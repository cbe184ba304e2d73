"""Between two columns: the vertical tracks that join each wire to the ports it feeds (one track per wire,
the fewest columns that keep overlapping tracks apart), drawn with box-drawing junctions. They depend on
rows only, not on any text, so they are planned once per structure."""

from __future__ import annotations

from dataclasses import dataclass

from backprop_tui.circuit.glyphs import DOWN, LEFT, RIGHT, UP, Glyphs
from backprop_tui.circuit.spans import Span
from backprop_tui.circuit.structure import Slot, Structure


# -- between two columns ----------------------------------------------------------------------------
def nets(layer: list[Slot]) -> list[tuple[str, int, list[int]]]:
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

    def draw(self, x: int, g: Glyphs, rows: list[list]) -> None:
        for row, src in self.straight:
            rows[row].append(Span(x, g.h * self.width, "wire", src, self.width))
        draw_cells(self.cells, x, 0, g, rows)


def mark(cells: dict[tuple[int, int], list], r: int, c: int, flags: int, src: str) -> None:
    """Add a wire's directions to cell (r, c); where two wires meet in one cell they cross (-1)."""
    cell = cells.get((r, c))
    if cell is None:
        cells[(r, c)] = [flags, src]
    elif cell[1] == src:
        cell[0] |= flags
    else:
        cell[0] = -1


def run(cells: dict[tuple[int, int], list], r: int, c0: int, c1: int, src: str) -> None:
    """A horizontal run over cells c0..c1 of row r (either order), its ends open towards each other."""
    lo, hi = min(c0, c1), max(c0, c1)
    for c in range(lo, hi + 1):
        mark(cells, r, c, (LEFT if c > lo else 0) | (RIGHT if c < hi else 0), src)


def track(cells: dict[tuple[int, int], list], c: int, r0: int, r1: int, src: str) -> None:
    """A vertical track over rows r0..r1 of column c (either order)."""
    lo, hi = min(r0, r1), max(r0, r1)
    for r in range(lo, hi + 1):
        mark(cells, r, c, (UP if r > lo else 0) | (DOWN if r < hi else 0), src)


def draw_cells(cells: dict[tuple[int, int], list], x: int, y: int, g: Glyphs, rows: list[list]) -> None:
    for (r, c), (flags, src) in cells.items():
        if flags == -1:
            rows[y + r].append(Span(x + c, g.cross, "cross", src, 1))
        else:
            rows[y + r].append(Span(x + c, g.box(flags), "wire", src, 1))


def gap_plans(st: Structure) -> list[GapPlan]:
    """One plan per gap; they depend on rows only, not on any text, so they are made once per structure."""
    plans = getattr(st, "_gap_plans", None)
    if plans is None:
        plans = [_plan_gap(st.layers[i]) for i in range(len(st.layers) - 1)]
        st._gap_plans = plans  # type: ignore[attr-defined]
    return plans


def _plan_gap(layer: list[Slot]) -> GapPlan:
    leaving = nets(layer)
    bent = [(src, row, targets) for src, row, targets in leaving if any(r != row for r in targets)]
    columns = _assign_tracks([(min(row, *ts), max(row, *ts)) for _, row, ts in bent])
    k = max(columns, default=-1) + 1
    width = 2 * k if k else 2  # a margin, then tracks a cell apart; the ports begin with a wire
    if k > 1 and _crossings(bent, columns, k, reverse=True) < _crossings(bent, columns, k, reverse=False):
        columns = [k - 1 - c for c in columns]
    cells: dict[tuple[int, int], list] = {}
    for (src, row, targets), col in zip(bent, columns, strict=True):
        tx = 1 + 2 * col
        lo, hi = min(row, *targets), max(row, *targets)
        for c in range(tx):  # the stem's wire runs on into the gap...
            mark(cells, row, c, LEFT | RIGHT, src)
        mark(cells, row, tx, LEFT, src)
        track(cells, tx, lo, hi, src)
        for r in targets:  # ...and out of it into each port
            mark(cells, r, tx, RIGHT, src)
            for c in range(tx + 1, width):
                mark(cells, r, c, LEFT | RIGHT, src)
    straight = [(row, src) for src, row, targets in leaving if all(r == row for r in targets)]
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
