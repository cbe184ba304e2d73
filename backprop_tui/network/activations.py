"""The activation functions of the network engine and their derivatives, on numpy float64 arrays.

Kept apart from engine.py (the passes and the steps) so that the elementwise math reads on its own:
relu, sigmoid (the stable form), tanh, softmax and identity, f'(z) written from the output as torch's
backward does, and softmax's Jacobian.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        return softmax(z)
    return z  # identity


def derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z) elementwise, written from the output a as torch's backward does (relu'(0) = 0, as torch)."""
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    return np.ones_like(z)


def softmax_jacobian(s: np.ndarray) -> np.ndarray:
    """J = diag(s) − s·sᵀ per row: (rows, k, k)."""
    return s[:, :, None] * np.eye(s.shape[1])[None] - s[:, :, None] * s[:, None, :]
