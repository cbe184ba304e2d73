"""torch's clamps in BCELoss, written into the step's formula where they change a number.

torch's binary_cross_entropy (aten/src/ATen/native/Loss.cpp) clamps each log at −100, so a = 0 or 1 gives
a loss of 100 per element instead of inf; its backward divides by max(a·(1 − a), EPSILON) with EPSILON
= 1e-12 (a C++ float there: 9.99999996e-13, which the engine uses too). A saturated sigmoid (a(1 − a)
below 1e-12) so gets ∂L/∂a = (a − y)/EPSILON and, after σ'(z) = a(1 − a), a δ of about 1e-8 where the
textbook's a − y is ±1.
"""

from __future__ import annotations

import numpy as np

from backprop_tui.numbers import short

# torch's EPSILON in binary_cross_entropy_backward is a C++ float: 1e-12 rounded to float32, not the double
BCE_EPS = float(np.float32(1e-12))  # 9.999999960041972e-13
LOG_FLOOR = -100.0  # and its clamp of log in binary_cross_entropy


def _where(mask: np.ndarray) -> str:
    rows, cols = np.nonzero(np.atleast_2d(mask))
    first = f"row {rows[0]}, output {cols[0]}"
    more = len(rows) - 1
    return first + (f" and {more} more" if more else "")


def bce_loss_note(a: np.ndarray, y: np.ndarray) -> str:
    """Where torch's log clamp bites (log a or log(1 − a) below −100), a sentence; else ""."""
    with np.errstate(all="ignore"):
        low = (np.log(a) < LOG_FLOOR) & (y != 0)
        high = (np.log1p(-a) < LOG_FLOOR) & (y != 1)
    if not (low.any() or high.any()):
        return ""
    return (f"  [clamped: torch's BCELoss takes max(log, −100); at {_where(low | high)} a is "
            f"{'0' if low.any() else '1'} to float64, so that term is 100, not inf]")


def bce_grad_note(a: np.ndarray, y: np.ndarray, n_k: int) -> str:
    """Where the backward's eps clamp bites, a sentence with what δ becomes and what it would be."""
    with np.errstate(all="ignore"):
        prod = a * (1.0 - a)
        bites = prod < BCE_EPS
    if not bites.any():
        return ""
    idx = tuple(np.argwhere(np.atleast_2d(bites))[0])
    a0, y0, p0 = np.atleast_2d(a)[idx], np.atleast_2d(y)[idx], np.atleast_2d(prod)[idx]
    delta = (a0 - y0) / BCE_EPS * p0 / n_k
    return (f"  [clamped: torch's BCELoss backward divides by max(a·(1 − a), 1e-12); at {_where(bites)} "
            f"a·(1 − a) = {short(p0)}, so ∂L/∂a = (a − y)/1e-12/(N·K) and, after σ'(z) = a·(1 − a), "
            f"δ = {short(delta)} where the textbook's (a − y)/(N·K) = {short((a0 - y0) / n_k)}]")


def log_of_zero(a: np.ndarray, y: np.ndarray) -> bool:
    """A softmax probability that underflowed to exactly 0: torch's NLL of the probabilities takes log(0) =
    −inf there, and its backward divides by it (−inf under a target, 0/0 = nan beside one), so the chain
    through softmax gives nan where the textbook's shortcut (s − y)/N stays finite. The engine then
    follows torch's chain."""
    return bool(np.any(a == 0))


def log_of_zero_note(shortcut_text: str) -> str:
    return (f"  [log of 0: a probability is exactly 0, so torch takes log(0) = −inf and divides by 0 on the "
            f"way back: nan; the shortcut (s − y)/N = {shortcut_text} is the limit torch does not reach; "
            "logits (output = \"identity\") avoid it]")
