"""Axes for the loss plot: evenly spaced "nice" ticks, integer epochs, a y range from the finite losses
only (a diverging epoch is marked, not allowed to blow up the axis). Pure (no textual)."""

from __future__ import annotations

import math

STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def nice_step(span: float, max_ticks: int) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that covers `span` in at most `max_ticks` − 1 intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, max_ticks - 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    for s in STEPS:
        if s * mag >= raw * (1 - 1e-12):
            return s * mag
    return 10.0 * mag


def nice_ticks(lo: float, hi: float, max_ticks: int = 5) -> list[float]:
    """Evenly spaced round values from ≤ lo to ≥ hi (so the axis range is [first, last])."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo, max_ticks)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    while round((last - first) / step) + 1 > max_ticks:  # rounding outward added one: widen the step
        step = nice_step(step * max_ticks, max_ticks)
        first = math.floor(lo / step + 1e-9) * step
        last = math.ceil(hi / step - 1e-9) * step
    n = round((last - first) / step)
    return [round(first + i * step, 12) for i in range(n + 1)]


def tick_labels(ticks: list[float]) -> list[str]:
    """One number format for every tick: as many decimals as the step needs, no more."""
    if len(ticks) < 2:
        return [f"{t:g}" for t in ticks]
    step = abs(ticks[1] - ticks[0])
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    if step > 0 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1  # 2.5 × 10^k needs one more
    if max(abs(t) for t in ticks) >= 1e5 or (0 < step < 1e-4):
        return [f"{t:.2e}" for t in ticks]
    return [f"{t:.{decimals}f}" for t in ticks]


def epoch_ticks(epochs: int, max_ticks: int = 6) -> list[int]:
    """Whole epochs, evenly spaced, from 0 (or 1 for short runs) to at least `epochs`."""
    if epochs <= 1:
        return [1]
    if epochs < max_ticks:
        return list(range(1, epochs + 1))
    step = max(1, int(nice_step(epochs, max_ticks)))
    while step * (max_ticks - 1) < epochs:
        step = int(nice_step(step * max_ticks, max_ticks))
    return list(range(0, epochs + step, step)) if epochs % step else list(range(0, epochs + 1, step))


def finite_range(values: list[float]) -> tuple[float, float] | None:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None
    return min(finite), max(finite)


def divergent(values: list[float]) -> list[int]:
    """The 1-based epochs whose loss is inf or nan."""
    return [i + 1 for i, v in enumerate(values) if not math.isfinite(v)]


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int) -> str:
    """The losses in `width` cells of ▁…█ (each cell the mean of its epochs; ✕ where one diverged)."""
    if not values or width < 1:
        return ""
    n = len(values)
    cells: list[float | None] = []
    for i in range(min(width, n)):
        chunk = values[i * n // min(width, n): (i + 1) * n // min(width, n)] or [values[-1]]
        cells.append(None if any(not math.isfinite(v) for v in chunk) else sum(chunk) / len(chunk))
    rng = finite_range([c for c in cells if c is not None])
    if rng is None:
        return "✕" * len(cells)
    lo, hi = rng
    out = []
    for c in cells:
        if c is None:
            out.append("✕")
        else:
            level = 0 if hi == lo else round((c - lo) / (hi - lo) * (len(SPARK) - 1))
            out.append(SPARK[level])
    return "".join(out)
