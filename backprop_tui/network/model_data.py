"""Data for a PyTorch model file that leaves X and y undefined (as the blog post does), or whose data the
command line replaces (`--data NAME` or `--data FILE.csv`).

The default fits the model's shape and loss:
    nn.CrossEntropyLoss, 10 features, 2 classes    seed-mlp (the post's network; 1,000 rows)
                         4 features, 3 classes     iris
                         2 features, 2 classes     spiral
    nn.BCELoss / nn.BCEWithLogitsLoss, 1 output    seed-mlp (10 features) or spiral (2), as a 0/1 column
    anything else                                  teacher: 1,000 standard-normal rows labelled by a fixed
                                                   random teacher (classes, 0/1 columns, or smooth values
                                                   for nn.MSELoss), seed 0
Inputs and float targets are rounded to float32, as torch holds them (torch.tensor(X, dtype=torch.float32)),
so the float64 engine and the float32 referee start from the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backprop_tui.errors import BadInput
from backprop_tui.network import data as D

CLASS_LOSSES = ("CrossEntropyLoss",)
BINARY_LOSSES = ("BCELoss", "BCEWithLogitsLoss")
NAMES = (*D.DATASETS, "teacher")


@dataclass(frozen=True)
class BoundData:
    """Inputs and targets for the model: x (rows, width); y (rows, out) rows; labels for class losses."""

    name: str
    x: np.ndarray
    y: np.ndarray
    labels: np.ndarray | None
    description: str


def teacher(width: int, out: int, loss: str, seed: int = 0, rows: int = 1000) -> D.Dataset:
    """A learnable set of any shape: a fixed random teacher (a plane plus a smooth bend) labels the rows."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, width))
    w = rng.standard_normal((width, max(out, 1))) / math.sqrt(width)
    score = x @ w + 0.5 * np.sin(2.0 * x[:, :1]) * (x[:, 1:2] if width > 1 else 1.0)
    if loss in CLASS_LOSSES:
        labels = np.argmax(score, axis=1).astype(np.int64)
        flip = rng.uniform(size=rows) < 0.05
        labels = np.where(flip, rng.integers(0, out, rows), labels)
        return D.Dataset("teacher", x, labels, out)
    if loss in BINARY_LOSSES:
        return D.Dataset("teacher", x, None, 2, targets=(score > 0).astype(np.float64))
    return D.Dataset("teacher", x, None, 0, targets=np.tanh(score))


def default_name(width: int, out: int, loss: str) -> str:
    if loss in CLASS_LOSSES:
        return {(10, 2): "seed-mlp", (4, 3): "iris", (2, 2): "spiral"}.get((width, out), "teacher")
    if loss in BINARY_LOSSES and out == 1:
        return {10: "seed-mlp", 2: "spiral"}.get(width, "teacher")
    return "teacher"


def bind(choice: str | None, width: int, out: int, loss: str) -> BoundData:
    """The data set `choice` names (None: the default for this shape), checked against the model."""
    name = choice or default_name(width, out, loss)
    if choice is not None and (choice.lower().endswith(".csv") or Path(choice).is_file()):
        return _csv(Path(choice), width, out, loss)
    if name not in NAMES:
        raise BadInput(f"--data {name}: unknown data set; known: {', '.join(NAMES)}, or a CSV file")
    ds = teacher(width, out, loss) if name == "teacher" else D.builtin(name)
    if ds.x.shape[1] != width:
        raise BadInput(f"--data {name}: it has {ds.x.shape[1]} features, but the model's first layer takes {width}")
    how = "--data" if choice else "the default for this model's shape"
    x = _f32(ds.x)
    if ds.targets is not None:
        y = _f32(ds.targets)
        kind = f"{y.shape[1]} target column{'s' if y.shape[1] != 1 else ''}"
        return BoundData(name, x, y, None, f"{name} ({len(x):,} rows, {width} features, {kind}; {how})")
    assert ds.labels is not None
    y, labels = _from_labels(ds.labels, ds.classes, out, loss, f"--data {name}")
    desc = f"{name} ({len(x):,} rows, {width} features, {ds.classes} classes; {how})"
    return BoundData(name, x, y, labels, desc)


def _from_labels(labels: np.ndarray, classes: int, out: int, loss: str, what: str,
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    if loss in CLASS_LOSSES:
        if out != classes:
            raise BadInput(f"{what}: it has {classes} classes, but the model's output has {out} units")
        return np.eye(out)[labels], labels
    if out == 1 and classes == 2:
        return labels.astype(np.float64)[:, None], None
    if out == classes:
        return np.eye(out)[labels], None
    raise BadInput(f"{what}: it has {classes} classes; the model's {out} outputs fit neither a 0/1 column nor "
                   "one-hot rows")


def _csv(path: Path, width: int, out: int, loss: str) -> BoundData:
    x, rest = D.read_csv(path, width)
    ncols = {len(r) for r in rest}
    if len(ncols) != 1:
        raise BadInput(f"--data {path.name}: rows have different numbers of columns")
    (k,) = ncols
    desc = f"{path.name} ({len(x):,} rows, {width} features; --data)"
    if loss in CLASS_LOSSES and k == 1:
        labels = np.empty(len(rest), dtype=np.int64)
        for i, r in enumerate(rest):
            v = D.csv_number(r[0], f"--data {path.name} row {i + 1}, target")
            if not v.is_integer() or not 0 <= v < out:
                raise BadInput(f"--data {path.name} row {i + 1}: the target {r[0].strip()} is not a class index "
                               f"0..{out - 1}")
            labels[i] = int(v)
        return BoundData(path.name, _f32(x), np.eye(out)[labels], labels, desc)
    if k != out:
        raise BadInput(f"--data {path.name}: {width + k} columns leave {k} target column(s) after the {width} "
                       f"features, but the model has {out} outputs")
    y = np.array([[D.csv_number(c, f"--data {path.name} row {i + 1}, column {width + j + 1}")
                   for j, c in enumerate(r)] for i, r in enumerate(rest)])
    return BoundData(path.name, _f32(x), _f32(y), None, desc)


def _f32(a: np.ndarray) -> np.ndarray:
    """The float32 numbers torch would hold, as float64 (exactly)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)
