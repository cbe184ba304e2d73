"""Fit: the most readable drawing of a circuit that the panel holds whole.

Tried in order, the first that fits wins:
1. one band (the lecture's single left-to-right line) at each detail of LADDER, from the most said
   (formulas in the gates, 4 significant digits) to the least (ƒ, 3 digits); wider than the panel is
   the only failure here: a drawing taller than the panel scrolls up and down;
2. two bands, then three, up to MAX_BANDS (circuit.bands), again at each detail in turn; the bands together
   must also fit the panel's height;
3. else one band at the least detail, scrolled both ways.
Fewer bands beats more detail: a formula's `ƒ` is explained in the step panel, a broken line is not.
"""

from __future__ import annotations

from dataclasses import dataclass

from backprop_tui.circuit.bands import MAX_LAYERS, best_cuts, geometry
from backprop_tui.circuit.canvas import Detail, measure
from backprop_tui.circuit.structure import Structure

LADDER = (Detail(4, True), Detail(4, False), Detail(3, False))
MAX_BANDS = 4
MIN_COLUMN = 6  # cells a column and its gap take at the least: a drawing of more columns than room / 6
# cannot fit in one band, so no detail is measured


@dataclass(frozen=True)
class Plan:
    detail: Detail
    cuts: tuple[int, ...] = ()  # the columns that begin a new band
    width: int = 0  # cells (a lower bound where nothing was measured)
    height: int = 0
    fits: bool = True

    def rank(self) -> tuple[int, int, int]:
        """Smaller is better: fitting, then fewer bands, then more detail."""
        level = next((i for i, d in enumerate(LADDER) if (d.digits, d.full_gates) ==
                      (self.detail.digits, self.detail.full_gates)), len(LADDER))
        return (not self.fits, len(self.cuts), level)


def ladder(ascii: bool = False) -> list[Detail]:
    return [Detail(d.digits, d.full_gates, ascii) for d in LADDER]


def one_to_one(ascii: bool = False) -> Plan:
    """1:1: everything said, one band, scrolled as needed."""
    return Plan(ladder(ascii)[0], fits=False)


def plan(st: Structure, width: int, height: int, ascii: bool = False) -> Plan:
    """The plan for a panel of width x height cells (its content region)."""
    details = ladder(ascii)
    columns = len(st.layers)
    if columns * MIN_COLUMN > width * MAX_BANDS:  # far too wide for any plan: measure nothing
        return Plan(details[-1], (), columns * MIN_COLUMN, st.height, fits=False)
    if columns * MIN_COLUMN <= width:
        for d in details:
            w = measure(st, d)
            if w <= width:
                return Plan(d, (), w, st.height)
    if 1 < columns <= MAX_LAYERS:
        geos = [geometry(st, d) for d in details]
        for bands in range(2, min(MAX_BANDS, columns) + 1):
            for d, geo in zip(details, geos, strict=True):
                cuts = best_cuts(geo, width, bands)
                if cuts is not None and geo.height(cuts) <= height:
                    return Plan(d, cuts, geo.width(cuts), geo.height(cuts))
    return Plan(details[-1], (), measure(st, details[-1]), st.height, fits=False)
