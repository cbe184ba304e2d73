"""Built-in data sets and the user's CSV: plain numbers, never code (csv module, no eval, no pickle).

Every set is features (rows × width, float64) and class labels (ints from 0); spec.py turns labels into
the targets the loss takes (class indices for cross_entropy, one-hot rows or a 0/1 column otherwise).
"""

from __future__ import annotations

import csv
import io
import math
from array import array
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.files import read_bytes

DATASETS = ("xor", "spiral", "iris", "seed-mlp")
MAX_ROWS = limits.DATA_ROWS  # the budget table's; kept under these names for older callers
MAX_CELLS = limits.DATA_CELLS


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


def read_csv(path: Path, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Features (the first `width` columns) and the remaining columns, both float64 (rows, ·); a header row
    is skipped. Read in one pass, row by row, within the budget table's CSV_BYTES, DATA_ROWS and
    DATA_CELLS; every failure of the file or of the csv module is a BadInput naming the row."""
    try:
        raw = read_bytes(path, "CSV_BYTES", "CSV file")
    except BadInput as err:
        raise BadInput(f"[data] csv: {err.message}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise BadInput(f"[data] csv: {path.name} is not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line})"
                       ) from None
    del raw
    reader = csv.reader(io.StringIO(text))
    cells = array("d")  # 8 bytes a number, not a float object each
    columns: int | None = None
    rows = 0
    try:
        for row in reader:
            if not row or not any(c.strip() for c in row):
                continue
            if columns is None and not rows and not _numeric(row[0]):
                continue  # a header
            if columns is None:
                columns = len(row)
                if columns <= width:
                    raise BadInput(f"[data] csv: {path.name} row {rows + 1} has {columns} columns; the network "
                                   f"takes {width} features plus the target column(s)")
            elif len(row) != columns:
                raise BadInput(f"[data] csv: {path.name} rows have different numbers of columns (row {rows + 1} "
                               f"has {len(row)}, the first has {columns})")
            rows += 1
            if rows > limits.DATA_ROWS:
                raise limits.over("DATA_ROWS", None, f"[data] csv: {path.name}: the number of rows")
            if rows * columns > limits.DATA_CELLS:
                raise limits.over("DATA_CELLS", None, f"[data] csv: {path.name}: rows × columns")
            for j, cell in enumerate(row):
                cells.append(_number(cell, f"[data] csv: {path.name} row {rows}, column {j + 1}"))
    except csv.Error as err:  # a field past the csv module's size limit, a stray quote, …
        raise BadInput(f"[data] csv: {path.name} line {reader.line_num}: the csv reader refuses it "
                       f"({_csv_reason(err)})") from None
    if columns is None:
        raise BadInput(f"[data] csv: {path.name} has no data rows")
    table = np.frombuffer(cells, dtype=np.float64).reshape(rows, columns).copy()
    return table[:, :width], table[:, width:]


def _csv_reason(err: csv.Error) -> str:
    text = str(err)
    if "field larger than field limit" in text:
        return f"a field is longer than {csv.field_size_limit():,} characters"
    return text


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
        shown = cell.strip()
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        raise BadInput(f"{where}: {shown!r} is not a number") from None
    if not math.isfinite(v):
        raise BadInput(f"{where}: {cell.strip()[:40]} is not a finite number")
    return v


def csv_number(cell: str, where: str) -> float:
    return _number(cell, where)
