"""How numbers are written: short in formulas, exact where a user asks for the full value."""

from __future__ import annotations

import math


def short(v: float | None, digits: int = 6) -> str:
    """6 significant digits, no trailing '.0' (2.0 -> '2', 0.1234567 -> '0.123457')."""
    if v is None:
        return "—"
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return str(v)
    text = format(v, f".{digits}g")
    return "0" if text == "-0" else text


def full(v: float | None) -> str:
    """The shortest text that reads back as exactly the same float."""
    if v is None:
        return "—"
    if float(v).is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(float(v))


TOL_ABS = 1e-12
INF = math.inf
TOL_REL = 1e-9


def agree(a: float | None, b: float | None) -> bool:
    """The project's tolerance: |a - b| <= 1e-12 + 1e-9 * max(|a|, |b|).

    Non-finite figures agree only with the same non-finite figure: inf with inf of the same sign, nan
    with nan (the same overflow at the same step is agreement, not a difference of nan)."""
    if a is None or b is None:
        return a is None and b is None
    d = abs(a - b)
    if d <= TOL_ABS + TOL_REL * max(abs(a), abs(b)) and d != INF:  # False for nan, and where an inf takes part
        return True
    if a == b:  # inf == inf
        return True
    return a != a and b != b  # both nan


def plural(n: int, noun: str) -> str:
    """`1 variable`, `7 variables` (a count with its noun, thousands separated)."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
