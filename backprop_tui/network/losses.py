"""The losses of the network engine: L for the output activations and ∂L/∂a, as torch computes them.

Kept apart from engine.py (the passes and the steps): mse, half_sse, bce (clamped as torch clamps it),
bce_with_logits, cross-entropy on softmax outputs or on logits, and the softmax + cross-entropy shortcut.
"""

from __future__ import annotations

import numpy as np

from backprop_tui.network.activations import sigmoid, softmax
from backprop_tui.network.clamps import BCE_EPS, LOG_FLOOR


def loss_value(loss: str, output: str, a: np.ndarray, y: np.ndarray) -> float:
    n = a.shape[0]
    if loss == "mse":
        return float(np.mean((a - y) ** 2))
    if loss == "half_sse":
        return float(0.5 * np.sum((a - y) ** 2) / n)
    if loss == "bce":
        la = np.maximum(np.log(a), LOG_FLOOR)
        lb = np.maximum(np.log1p(-a), LOG_FLOOR)
        return float(-np.mean(y * la + (1.0 - y) * lb))
    if loss == "bce_with_logits":  # torch's stable form: max(a, 0) − a·y + log(1 + e^−|a|)
        return float(np.mean(np.maximum(a, 0.0) - a * y + np.log1p(np.exp(-np.abs(a)))))
    if output == "identity" or loss == "cross_entropy_logits":  # log-softmax of the logits, as torch
        top = a.max(axis=1, keepdims=True)
        lse = top + np.log(np.exp(a - top).sum(axis=1, keepdims=True))
        return float(-np.sum(y * (a - lse)) / n)
    with np.errstate(divide="ignore"):
        logs = np.where(y != 0, np.log(a), 0.0)
    return float(-np.sum(y * logs) / n)


def loss_grad(loss: str, output: str, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂L/∂a for the output activations a (for cross_entropy on logits, a are the logits)."""
    n, k = a.shape
    if loss == "mse":
        return 2.0 * (a - y) / (n * k)
    if loss == "half_sse":
        return (a - y) / n
    if loss == "bce":
        return (a - y) / np.maximum(a * (1.0 - a), BCE_EPS) / (n * k)
    if loss == "bce_with_logits":
        return (sigmoid(a) - y) / (n * k)
    if output == "identity" or loss == "cross_entropy_logits":
        return ce_shortcut(softmax(a), y)
    with np.errstate(all="ignore"):  # torch's log backward divides by a: −inf under a target, 0/0 = nan beside
        return -y / (a * n)


def ce_shortcut(s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Softmax + cross-entropy: ∂L/∂z = (s·Σy − y)/N, which is (s − y)/N for one-hot or probability rows."""
    return (s * y.sum(axis=1, keepdims=True) - y) / s.shape[0]
