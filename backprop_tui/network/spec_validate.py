"""Checking a parsed spec: every key, shape and number, each problem a BadInput naming `[table] key`.

The sizes it accepts are the budget table's (backprop_tui.limits): parameters, data rows and cells, and a
softmax output layer's width and Jacobian.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.host_files import data_path
from backprop_tui.network import data as D
from backprop_tui.network.spec import (
    ACTIVATIONS,
    CLASS_LOSSES,
    DEFAULT_EPOCHS,
    LOSSES,
    OUTPUTS,
    PAIRINGS,
    Spec,
    init_params,
    param_count,
    param_names,
    param_shape,
)
from backprop_tui.network.spec_toml import line_of_key

_NETWORK_KEYS = {"sizes", "activation", "output", "loss", "lr", "freeze", "seed", "epochs"}
_DATA_KEYS = {"x", "y", "dataset", "csv", "seed", "rows"}
_LARGEST_INTEGER = 2**63  # sizes, seeds, rows and labels beyond this are typing slips, and numpy refuses them


class Validator:
    def __init__(self, text: str, doc: dict[str, Any], base: Path) -> None:
        self.lines = text.split("\n")
        self.doc = doc
        self.base = base

    def fail(self, where: str, message: str) -> BadInput:
        """A message naming `[table] key`, with the key's line when it can be found in the text."""
        table = where[1:where.index("]")] if where.startswith("[") and "]" in where else ""
        key = where.split("] ")[-1].split("[")[0].strip().strip('"')
        return BadInput(f"{where}: {message}", line_of_key(self.lines, table, key))

    def table(self, name: str, required: bool) -> dict[str, Any]:
        got = self.doc.get(name)
        if got is None:
            if required:
                raise BadInput(f"the spec needs a [{name}] table")
            return {}
        if not isinstance(got, dict):
            raise self.fail(name, f"`{name}` must be a table, [{name}]")
        return got

    def spec(self) -> Spec:
        unknown = sorted(set(self.doc) - {"network", "params", "data"})
        if unknown:
            raise BadInput(f"unknown table [{unknown[0]}]; a spec has [network], [params] and [data]")
        net = self.table("network", True)
        extra = sorted(set(net) - _NETWORK_KEYS)
        if extra:
            raise self.fail(f"[network] {extra[0]}", f"unknown key; known: {', '.join(sorted(_NETWORK_KEYS))}")
        sizes = self.sizes(net)
        activations = self.activations(net, sizes)
        output = self.choice(net, "output", OUTPUTS, "sigmoid")
        loss = self.choice(net, "loss", LOSSES, "mse")
        if output not in PAIRINGS[loss]:
            raise self.fail("[network] loss", f"{loss} does not take {output} output; it takes "
                            f"{' or '.join(PAIRINGS[loss])}")
        if (loss in CLASS_LOSSES or output == "softmax") and sizes[-1] < 2:
            raise self.fail("[network] sizes", f"{'softmax' if output == 'softmax' else loss} needs at least "
                            "2 output units")
        lr = self.number(net.get("lr"), "[network] lr") if "lr" in net else None
        if lr is None:
            raise BadInput("[network] lr: the learning rate is required (a number above 0)")
        if lr <= 0:
            raise self.fail("[network] lr", f"the learning rate must be above 0, got {lr:g}")
        seed = self.seed(net.get("seed", 0), "[network] seed")
        names = param_names(sizes)
        freeze = self.freeze(net, names)
        params = init_params(sizes, seed)
        given = self.params(sizes, names, params)
        epochs = self.integer(net.get("epochs", DEFAULT_EPOCHS), "[network] epochs")
        if not 1 <= epochs <= limits.EPOCHS:
            raise self.fail("[network] epochs", f"must be between 1 and {limits.EPOCHS:,} (limits.EPOCHS), "
                            f"got {epochs}")
        x, y, labels, data_name = self.data(sizes, loss)
        if output == "softmax":
            self.softmax_budget(len(x), sizes[-1])
        table = dict(self.doc["data"])
        if isinstance(table.get("csv"), str):
            table["csv"] = str((self.base / table["csv"]).resolve())
        return Spec(sizes, activations, output, loss, lr, freeze, seed, params, x, y, labels, data_name, given,
                    epochs, table)

    # -- [network] --------------------------------------------------------------------------------
    def sizes(self, net: dict[str, Any]) -> tuple[int, ...]:
        raw = net.get("sizes")
        if raw is None:
            raise BadInput("[network] sizes is required: [input, hidden..., output], such as [2, 2, 2]")
        if not isinstance(raw, list) or len(raw) < 2:
            raise self.fail("[network] sizes", "must be a list of at least 2 layer widths, such as [2, 2, 2]")
        sizes = tuple(self.integer(v, f"[network] sizes[{i}]") for i, v in enumerate(raw))
        for i, v in enumerate(sizes):
            if v < 1:
                raise self.fail("[network] sizes", f"sizes[{i}] is {v}; every layer needs at least 1 unit")
        count = param_count(sizes)
        if count > limits.NETWORK_PARAMS:
            raise self.fail("[network] sizes", limits.over("NETWORK_PARAMS", count, "the number of parameters")
                            .message)
        return sizes

    def softmax_budget(self, rows: int, width: int) -> None:
        """A softmax layer's Jacobian is shown whole, width × width per row: both are in the budget table."""
        if width > limits.SOFTMAX_ARITY:
            raise self.fail("[network] output", limits.over(
                "SOFTMAX_ARITY", width, "a softmax output layer's width",
                "its Jacobian has width² entries; use fewer classes").message)
        if rows * width * width > limits.SOFTMAX_JACOBIAN:
            raise self.fail("[network] output", limits.over(
                "SOFTMAX_JACOBIAN", rows * width * width, f"the softmax Jacobian, {rows:,} rows × {width}²",
                "use fewer rows").message)

    def activations(self, net: dict[str, Any], sizes: tuple[int, ...]) -> tuple[str, ...]:
        hidden = len(sizes) - 2
        raw = net.get("activation", "relu")
        if isinstance(raw, list):
            if len(raw) != hidden:
                raise self.fail("[network] activation", f"a list needs one activation per hidden layer "
                                f"({hidden}), got {len(raw)}")
            return tuple(self.one_of(v, ACTIVATIONS, f"[network] activation[{i}]") for i, v in enumerate(raw))
        return (self.one_of(raw, ACTIVATIONS, "[network] activation"),) * hidden

    def choice(self, net: dict[str, Any], key: str, known: tuple[str, ...], default: str) -> str:
        return self.one_of(net.get(key, default), known, f"[network] {key}")

    def one_of(self, value: Any, known: tuple[str, ...], where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"must be a name ({' | '.join(known)}), got {_kind(value)}")
        if value not in known:
            raise self.fail(where, f"unknown {where.split()[-1].split('[')[0]} {value!r}; known: "
                            f"{' | '.join(known)}")
        return value

    def freeze(self, net: dict[str, Any], names: list[str]) -> tuple[str, ...]:
        raw = net.get("freeze", [])
        if not isinstance(raw, list):
            raise self.fail("[network] freeze", "must be a list of parameter names, such as [\"fc1.bias\"]")
        out: list[str] = []
        for v in raw:
            if not isinstance(v, str):
                raise self.fail("[network] freeze", f"must hold parameter names, got {_kind(v)}")
            if v not in names:
                raise self.fail("[network] freeze", f"no parameter {v!r}; this network has {', '.join(names)}")
            if v not in out:
                out.append(v)
        return tuple(out)

    # -- [params] ---------------------------------------------------------------------------------
    def params(self, sizes: tuple[int, ...], names: list[str], params: dict[str, np.ndarray]) -> tuple[str, ...]:
        table = self.table("params", False)
        for name, raw in table.items():
            where = f'[params] "{name}"'
            if name not in names:
                raise self.fail(where, f"no parameter of that name; this network has {', '.join(names)}")
            shape = param_shape(sizes, name)
            params[name] = self.array(raw, shape, where, "(out, in)" if len(shape) == 2 else "(out,)")
        return tuple(table)

    def array(self, raw: Any, shape: tuple[int, ...], where: str, layout: str) -> np.ndarray:
        if len(shape) == 1:
            if not isinstance(raw, list) or len(raw) != shape[0]:
                raise self.fail(where, f"needs {shape[0]} numbers, shape {layout} = {shape}, got "
                                f"{_shape_of(raw)}")
            return np.array([self.number(v, f"{where}[{i}]") for i, v in enumerate(raw)])
        if not isinstance(raw, list) or len(raw) != shape[0] or any(
                not isinstance(r, list) or len(r) != shape[1] for r in raw):
            raise self.fail(where, f"needs shape {layout} = {shape} (nn.Linear layout), got {_shape_of(raw)}")
        return np.array([[self.number(v, f"{where}[{i}][{j}]") for j, v in enumerate(r)]
                         for i, r in enumerate(raw)])

    # -- numbers ----------------------------------------------------------------------------------
    def number(self, v: Any, where: str) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(where, f"must be a number, got {_kind(v)}")
        f = float(v)
        if not math.isfinite(f):
            raise self.fail(where, f"must be a finite number, got {v}")
        return f

    def integer(self, v: Any, where: str) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            if isinstance(v, float) and math.isfinite(v) and v.is_integer():
                v = int(v)
            else:
                raise self.fail(where, f"must be a whole number, got {_kind(v)}")
        if abs(v) >= _LARGEST_INTEGER:
            raise self.fail(where, f"the whole number is too large (at most {_LARGEST_INTEGER - 1:,})")
        return v

    def seed(self, v: Any, where: str) -> int:
        k = self.integer(v, where)
        if k < 0:
            raise self.fail(where, f"must be 0 or more, got {k}")
        return k

    # -- [data] -----------------------------------------------------------------------------------
    def data(self, sizes: tuple[int, ...], loss: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
        table = self.table("data", True)
        extra = sorted(set(table) - _DATA_KEYS)
        if extra:
            raise self.fail(f"[data] {extra[0]}", f"unknown key; known: {', '.join(sorted(_DATA_KEYS))}")
        sources = [k for k in ("x", "dataset", "csv") if k in table]
        if len(sources) != 1:
            raise BadInput("[data] needs exactly one of: x and y (rows), dataset = \"xor\" | \"spiral\" | "
                           "\"iris\" | \"seed-mlp\", or csv = \"file.csv\"" +
                           (f"; got {', '.join(sources)}" if sources else ""))
        width, out = sizes[0], sizes[-1]
        if "x" in table:
            if "rows" in table:
                raise self.fail("[data] rows", "rows goes with dataset = \"spiral\" or \"seed-mlp\"; x gives "
                                "its rows itself")
            if "y" not in table:
                raise self.fail("[data] x", "y is missing: give the targets beside the inputs")
            x = self.rows(table["x"], width, "[data] x")
            y, labels = self.targets(table["y"], len(x), out, loss, "[data] y")
            return x, y, labels, "inline"
        if "y" in table:
            raise self.fail("[data] y", "y goes with x; a dataset or csv brings its own targets")
        if "rows" in table and "dataset" not in table:
            raise self.fail("[data] rows", "rows goes with dataset = \"spiral\" or \"seed-mlp\"")
        if "dataset" in table:
            name = table["dataset"]
            if not isinstance(name, str):
                raise self.fail("[data] dataset", f"must be a name, got {_kind(name)}")
            seed = self.seed(table.get("seed", 0), "[data] seed")
            rows = self.integer(table["rows"], "[data] rows") if "rows" in table else None
            if rows is not None and not 2 <= rows <= limits.DATA_ROWS:
                raise self.fail("[data] rows", f"must be between 2 and {limits.DATA_ROWS:,} (DATA_ROWS in the "
                                f"README's limits table), got {rows:,}")
            if rows is not None and name in ("xor", "iris"):
                raise self.fail("[data] rows", f"{name} has a fixed number of rows")
            if name not in D.DATASETS:
                raise self.fail("[data] dataset", f"unknown dataset {name!r}; known: {', '.join(D.DATASETS)}")
            ds = D.builtin(name, seed, rows)
            if ds.x.shape[1] != width:
                raise self.fail("[network] sizes", f"dataset {name} has {ds.x.shape[1]} features, but "
                                f"sizes[0] is {width}")
            y, labels = self.from_labels(ds.labels, ds.classes, out, loss, f"dataset {name}")
            return ds.x, y, labels, name
        return self.csv(table["csv"], width, out, loss)

    def rows(self, raw: Any, width: int, where: str, takes: str = "the input layer (sizes[0]) takes") -> np.ndarray:
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "must be a list of rows, such as [[0.05, 0.10]]")
        if len(raw) > limits.DATA_ROWS:
            raise self.fail(where, limits.over("DATA_ROWS", len(raw), "the number of rows").message)
        if len(raw) * width > limits.DATA_CELLS:
            raise self.fail(where, limits.over("DATA_CELLS", len(raw) * width, "rows × columns").message)
        out = np.empty((len(raw), width))
        for i, row in enumerate(raw):
            if not isinstance(row, list):
                if width != 1:
                    raise self.fail(where, f"row {i} must be a list of {width} numbers, got {_kind(row)}")
                row = [row]
            if len(row) != width:
                raise self.fail(where, f"row {i} has {len(row)} number{'s' if len(row) != 1 else ''}, but {takes} "
                                f"{width}")
            for j, v in enumerate(row):
                out[i, j] = self.number(v, f"{where}[{i}][{j}]")
        return out

    def targets(self, raw: Any, n: int, out: int, loss: str, where: str,
                ) -> tuple[np.ndarray, np.ndarray | None]:
        if not isinstance(raw, list) or len(raw) != n:
            raise self.fail(where, f"needs one target per row of x ({n}), got {_shape_of(raw)}")
        flat = all(not isinstance(v, list) for v in raw)
        if flat and loss in CLASS_LOSSES:
            labels = np.array([self.label(v, out, f"{where}[{i}]") for i, v in enumerate(raw)], dtype=np.int64)
            return np.eye(out)[labels], labels
        if flat and out == 1:
            raw = [[v] for v in raw]
        y = self.rows(raw, out, where, "the output layer (sizes[-1]) gives")
        if loss == "bce" and ((y < 0) | (y > 1)).any():
            raise self.fail(where, "bce targets must lie between 0 and 1")
        return y, None

    def label(self, v: Any, classes: int, where: str) -> int:
        k = self.integer(v, where)
        if not 0 <= k < classes:
            raise self.fail(where, f"class index {k} is outside 0..{classes - 1} (the output layer has "
                            f"{classes} units)")
        return k

    def from_labels(self, labels: np.ndarray, classes: int, out: int, loss: str, what: str,
                    ) -> tuple[np.ndarray, np.ndarray | None]:
        if loss in CLASS_LOSSES:
            if out != classes:
                raise self.fail("[network] sizes", f"{what} has {classes} classes, but the output layer has "
                                f"{out} units")
            return np.eye(out)[labels], labels
        if out == classes:
            return np.eye(out)[labels], None
        if out == 1 and classes == 2:
            return labels.astype(np.float64)[:, None], None
        raise self.fail("[network] sizes", f"{what} has {classes} classes: the output layer needs {classes} "
                        f"units{' (or 1, a 0/1 column)' if classes == 2 else ''}, not {out}")

    def csv(self, raw: Any, width: int, out: int, loss: str,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
        if not isinstance(raw, str):
            raise self.fail("[data] csv", f"must be a file name, got {_kind(raw)}")
        if "\x00" in raw:
            raise self.fail("[data] csv", "a file name cannot contain a NUL character")
        path = data_path(Path(raw) if Path(raw).is_absolute() else self.base / raw)  # serve mode: in its folder
        x, rest = D.read_csv(path, width)
        k = rest.shape[1]
        if loss in CLASS_LOSSES and k == 1:
            labels = np.array([self.label(float(v), out, f"[data] csv: {path.name} row {i + 1}, target")
                               for i, v in enumerate(rest[:, 0])], dtype=np.int64)
            return x, np.eye(out)[labels], labels, path.name
        if k != out:
            raise BadInput(f"[data] csv: {path.name} has {width + k} columns: {width} features (sizes[0]) "
                           f"leave {k} target column(s), but the output layer has {out} units")
        if loss == "bce" and ((rest < 0) | (rest > 1)).any():
            raise BadInput(f"[data] csv: {path.name}: bce targets must lie between 0 and 1")
        return x, rest, None, path.name


def _kind(v: Any) -> str:
    if isinstance(v, str):
        return f"the string {v!r}"
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    return f"{v!r}"


def _shape_of(v: Any) -> str:
    if isinstance(v, list):
        if v and all(isinstance(r, list) for r in v):
            widths = sorted({len(r) for r in v})
            return f"{len(v)} rows of {'/'.join(map(str, widths))}"
        return f"a list of {len(v)}"
    return _kind(v)
