"""Built-in data sets and the user's CSV: plain numbers, never code (csv module, no eval, no pickle).

Every set is features (rows × width, float64) and class labels (ints from 0); spec.py turns labels into
the targets the loss takes (class indices for cross_entropy, one-hot rows or a 0/1 column otherwise).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from backprop_tui.errors import BadInput

DATASETS = ("xor", "spiral", "iris", "seed-mlp")
MAX_ROWS = 1_000_000
MAX_CELLS = 20_000_000


@dataclass(frozen=True)
class Dataset:
    name: str
    x: np.ndarray  # (rows, width) float64
    labels: np.ndarray | None  # (rows,) int64 class indices, or None when targets are given as rows
    classes: int
    targets: np.ndarray | None = None  # (rows, k) float64, for a CSV whose targets are rows


def xor() -> Dataset:
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return Dataset("xor", x, np.array([0, 1, 1, 0]), 2)


def spiral(seed: int = 0, rows: int = 200, noise: float = 0.1) -> Dataset:
    """Two interleaved spirals, half the rows each, in about [-1, 1]²; the same seed gives the same set."""
    rng = np.random.default_rng(seed)
    n0 = rows // 2
    n1 = rows - n0
    xs, labels = [], []
    for cls, n in ((0, n0), (1, n1)):
        t = np.sqrt(rng.uniform(0.0, 1.0, n)) * 3.0 * math.pi + 0.25 * math.pi
        r = t / (3.25 * math.pi)
        sign = 1.0 if cls == 0 else -1.0
        pts = sign * np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
        xs.append(pts + noise * rng.standard_normal((n, 2)) / 3.0)
        labels.append(np.full(n, cls))
    return Dataset("spiral", np.concatenate(xs), np.concatenate(labels).astype(np.int64), 2)


def seed_mlp(seed: int = 0, rows: int = 1000) -> Dataset:
    """The post's "training data X and labels y": 10 features, 2 classes, learnable by a 10-20-2 MLP.

    A fixed teacher (a random plane plus a smooth bend) labels standard-normal points; a few labels flip.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 10))
    w = rng.standard_normal(10)
    score = x @ w / math.sqrt(10.0) + 0.5 * np.sin(2.0 * x[:, 0]) * x[:, 1]
    flip = rng.uniform(size=rows) < 0.05
    labels = ((score > 0) ^ flip).astype(np.int64)
    return Dataset("seed-mlp", x, labels, 2)


def iris() -> Dataset:
    """Fisher's iris, 150 rows, shipped with the package (species: setosa 0, versicolor 1, virginica 2)."""
    text = resources.files("backprop_tui.network").joinpath("iris.csv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)
    species = {"setosa": 0, "versicolor": 1, "virginica": 2}
    rows = [r for r in reader if r]
    x = np.array([[float(v) for v in r[:4]] for r in rows])
    labels = np.array([species[r[4]] for r in rows], dtype=np.int64)
    return Dataset("iris", x, labels, 3)


def builtin(name: str, seed: int = 0, rows: int | None = None) -> Dataset:
    if name == "xor":
        return xor()
    if name == "spiral":
        return spiral(seed, rows or 200)
    if name == "iris":
        return iris()
    if name == "seed-mlp":
        return seed_mlp(seed, rows or 1000)
    raise BadInput(f"[data] dataset: unknown dataset {name!r}; known: {', '.join(DATASETS)}")


def read_csv(path: Path, width: int) -> tuple[np.ndarray, list[list[str]]]:
    """Features (the first `width` columns) and the remaining cells as text; a header row is skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"[data] csv: no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise BadInput(f"[data] csv: cannot read {path}: {err.__class__.__name__}") from None
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if rows and not _numeric(rows[0][0]):
        rows = rows[1:]  # a header
    if not rows:
        raise BadInput(f"[data] csv: {path.name} has no data rows")
    if len(rows) > MAX_ROWS or len(rows) * len(rows[0]) > MAX_CELLS:
        raise BadInput(f"[data] csv: {path.name} is too large (at most {MAX_ROWS:,} rows)")
    x = np.empty((len(rows), width))
    rest: list[list[str]] = []
    for i, row in enumerate(rows):
        if len(row) <= width:
            raise BadInput(f"[data] csv: {path.name} row {i + 1} has {len(row)} columns; the network takes "
                           f"{width} features plus the target column(s)")
        for j in range(width):
            x[i, j] = _number(row[j], f"[data] csv: {path.name} row {i + 1}, column {j + 1}")
        rest.append(row[width:])
    return x, rest


def _numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _number(cell: str, where: str) -> float:
    try:
        v = float(cell)
    except ValueError:
        raise BadInput(f"{where}: {cell.strip()!r} is not a number") from None
    if not math.isfinite(v):
        raise BadInput(f"{where}: {cell.strip()} is not a finite number")
    return v


def csv_number(cell: str, where: str) -> float:
    return _number(cell, where)
