"""The verdict on a step: engine against torch, and where the tight tolerance fails, the exact value decides.

1. |engine − torch| ≤ 1e-12 + 1e-9·max(|engine|, |torch|), or the same inf or nan: "agree".
2. Otherwise the exact referee (check.exact) and this step's rounding bound B (check.bounds) decide:
   - B above 1e-6 of the exact value: "undecided", ill-conditioned: cannot decide (never ✓);
   - both sides within B of the exact value: "exact", agreement, the digits each keeps shown;
   - else "disagree" (✗), naming the side (or sides) off and by how much.
"""

from __future__ import annotations

import math

import mpmath
from mpmath import mpf

from backprop_tui.check.exact import digits_kept

ILL_CONDITIONED = 1e-6


def _fmt(v: mpf | float) -> str:
    return mpmath.nstr(v, 12, strip_zeros=True) if isinstance(v, mpf) else f"{v:.12g}"


def decide(engine: float | None, torch: float | None, exact: mpf | None, bound: float | None,
           ) -> tuple[str, str]:
    """(verdict, note) for a step the tight tolerance did not settle."""
    if engine is None or torch is None:
        side = "the engine" if engine is None else "torch"
        return "disagree", f"{side} gives no figure here, the other does"
    if exact is None or bound is None or mpmath.isnan(exact) or mpmath.isinf(exact):
        return "undecided", ("cannot decide: the exact referee could not settle this figure to 20 digits "
                             "(or it is not finite)")
    size = abs(exact)
    rel_bound = bound / float(size) if size else (0.0 if bound == 0 else math.inf)
    errors = {}
    for side, v in (("engine", engine), ("torch", torch)):
        errors[side] = math.inf if not math.isfinite(v) else float(abs(mpf(v) - exact))
    off = [side for side, err in errors.items() if err > bound]
    within = f"rounding bound {rel_bound:.1e} relative" if size else f"rounding bound {bound:.1e}"
    if rel_bound > ILL_CONDITIONED:
        return "undecided", (f"ill-conditioned: cannot decide (exact {_fmt(exact)}; rounding alone can move "
                             f"this step by {rel_bound:.1e} of its value, above 1e-6)")
    if not off:
        kept = {side: digits_kept(v, exact) for side, v in (("engine", engine), ("torch", torch))}
        return "exact", (f"both right to rounding: exact {_fmt(exact)}; the engine keeps {kept['engine']} "
                         f"digits, torch {kept['torch']} (within this step's {within})")
    parts = []
    for side in off:
        err = errors[side]
        parts.append(f"{side} is off by {err / float(size):.1e} relative" if size and math.isfinite(err)
                     else f"{side} is off by {err:.3g}")
    good = [side for side in errors if side not in off]
    tail = f"; {good[0]} is within it" if good else ""
    return "disagree", f"{' and '.join(parts)} (exact {_fmt(exact)}, {within}){tail}"


def float32_agree(engine: float | None, torch: float | None, bound64_rel: float) -> bool:
    """The engine's float32 against torch's: the same float, the same inf or nan, or within
    max(2 ulps, 2·B·2²⁹), B the step's float64 relative bound scaled to float32's unit roundoff."""
    if engine is None or torch is None:
        return engine is None and torch is None
    if engine == torch or (engine != engine and torch != torch):
        return True
    if not (math.isfinite(engine) and math.isfinite(torch)):
        return False
    size = max(abs(engine), abs(torch))
    tolerance = max(2 * ulp32(size), 2 * bound64_rel * 2.0 ** 29 * size)
    return abs(engine - torch) <= tolerance


def ulp32(x: float) -> float:
    """The gap between float32 numbers at |x| (2⁻¹⁴⁹ among subnormals)."""
    if x == 0 or not math.isfinite(x):
        return 2.0 ** -149
    _, e = math.frexp(abs(x))
    return max(2.0 ** (e - 24), 2.0 ** -149)
