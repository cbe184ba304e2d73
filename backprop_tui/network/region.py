"""The decision-region map of a network with 2 input features: the plane coloured by predicted class.

A grid of `cols × 2·rows` points (two per terminal cell, for half-block cells) over the data's bounding box
plus a margin, each with the class the network predicts and how sure it is; and each data row's cell and
true class, to draw on top. Pure numpy (no textual): one forward pass over the grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_tui.network.engine import forward, softmax
from backprop_tui.network.spec import Spec

MARGIN = 0.1  # of the data's range, on each side


@dataclass(frozen=True)
class RegionMap:
    classes: int
    predicted: np.ndarray  # (2·rows, cols) int: the class at each grid point, top row first
    confidence: np.ndarray  # (2·rows, cols) in [0, 1]: 0 on the boundary, 1 where the network is sure
    points: tuple[tuple[int, int, int], ...]  # (col, half-row, true class) of each data row
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    accuracy: float  # of the data rows, by the network's prediction


def applies(spec: Spec) -> bool:
    """2 input features and classes to predict (class labels, or 0/1 targets) over at least 2 rows."""
    if spec.sizes[0] != 2 or len(spec.x) < 2:
        return False
    return spec.labels is not None or bool(np.isin(spec.y, (0.0, 1.0)).all())


def true_classes(spec: Spec) -> np.ndarray:
    if spec.labels is not None:
        return spec.labels.astype(np.int64)
    if spec.y.shape[1] == 1:
        return (spec.y[:, 0] >= 0.5).astype(np.int64)
    return np.argmax(spec.y, axis=1)


def predict(spec: Spec, params: dict[str, np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(class, confidence) per row of x: one output is a probability (threshold ½); several, the argmax of
    the probabilities (softmax of logits for cross-entropy on an identity output)."""
    with np.errstate(all="ignore"):
        _, acts = forward(spec, params, x)
        out = acts[-1]
        if out.shape[1] == 1:
            p = out[:, 0]
            cls = (p >= 0.5).astype(np.int64)
            conf = np.clip(np.abs(p - 0.5) * 2.0, 0.0, 1.0)
        else:
            probs = softmax(out) if spec.output != "softmax" else out
            cls = np.argmax(probs, axis=1)
            k = out.shape[1]
            conf = np.clip((probs.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    return cls, np.nan_to_num(conf)


def region_map(spec: Spec, params: dict[str, np.ndarray], cols: int, rows: int) -> RegionMap | None:
    """The map for a `cols × rows` cell area (None unless the network takes 2 features)."""
    if not applies(spec) or cols < 2 or rows < 1:
        return None
    x = spec.x
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    gx = np.linspace(lo[0], hi[0], cols)
    gy = np.linspace(hi[1], lo[1], 2 * rows)  # top row first: y grows upwards on the plane
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    cls, conf = predict(spec, params, grid)
    truth = true_classes(spec)
    px = np.clip(np.round((x[:, 0] - lo[0]) / (hi[0] - lo[0]) * (cols - 1)), 0, cols - 1).astype(int)
    py = np.clip(np.round((hi[1] - x[:, 1]) / (hi[1] - lo[1]) * (2 * rows - 1)), 0, 2 * rows - 1).astype(int)
    points = tuple((int(c), int(r), int(t)) for c, r, t in zip(px, py, truth, strict=True))
    got, _ = predict(spec, params, x)
    classes = max(int(spec.sizes[-1]), 2)
    return RegionMap(classes, cls.reshape(2 * rows, cols), conf.reshape(2 * rows, cols), points,
                     (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])), float(np.mean(got == truth)))
