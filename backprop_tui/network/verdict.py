"""Engine against torch on arrays: the project's tolerance elementwise, non-finite figures included."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from backprop_tui.engine.step import Step
from backprop_tui.numbers import TOL_ABS, TOL_REL

if TYPE_CHECKING:
    from backprop_tui.network.engine import Key, NetTrace


def arrays_agree(a: np.ndarray, b: np.ndarray) -> tuple[bool, float]:
    """Elementwise the project's tolerance (numbers.agree): |a - b| <= 1e-12 + 1e-9·max(|a|, |b|), where
    the same inf or nan on both sides agrees. Also the largest scaled difference between finite pairs,
    |a - b| / max(1, |a|, |b|) (absolute below 1, relative above: a diverging run's 1e+290 losses that
    agree to 16 digits report 1e-16, not 1e+274), 0 if there is none.
    """
    if a.shape != b.shape:
        return False, math.inf
    with np.errstate(all="ignore"):
        same_nonfinite = (a == b) | (np.isnan(a) & np.isnan(b))
        finite = np.isfinite(a) & np.isfinite(b)
        size = np.maximum(np.abs(a), np.abs(b))
        diff = np.where(finite, np.abs(a - b), 0.0)
        close = finite & (diff <= TOL_ABS + TOL_REL * size)
        scaled = np.where(finite, diff / np.maximum(size, 1.0), 0.0)
    ok = bool(np.all(close | same_nonfinite))
    return ok, float(scaled.max()) if scaled.size else 0.0


def with_torch(tr: NetTrace, figures: dict[Key, np.ndarray | float | None]) -> NetTrace:
    """Fill each step with torch's figure and whether every number agrees (the project's tolerance)."""
    steps: list[Step] = []
    torch_arrays: list[np.ndarray | None] = []
    worst = 0.0
    for s, arr, key in zip(tr.steps, tr.arrays, tr.keys, strict=True):
        got = figures.get(key)
        t = None if got is None else np.asarray(got, dtype=np.float64)
        torch_arrays.append(t)
        if arr is None or t is None:
            ok = arr is None and t is None
        else:
            ok, diff = arrays_agree(arr, t)
            worst = max(worst, diff)
        tv = float(t) if (t is not None and t.ndim == 0) else None
        steps.append(replace(s, torch_value=tv, ok=ok))
    return replace(tr, steps=tuple(steps), torch_arrays=tuple(torch_arrays), checked=True, max_error=worst)

