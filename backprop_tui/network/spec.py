"""A network spec: TOML (tomllib only, nothing executed) → a validated, immutable Spec.

Every problem is a BadInput naming the table and key (and the line, when the key can be found).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tui.errors import BadInput
from backprop_tui.network import data as D

ACTIVATIONS = ("relu", "sigmoid", "tanh", "identity")
OUTPUTS = ("sigmoid", "softmax", "identity", "relu", "tanh")
# cross_entropy: softmax output -> the NLL of those probabilities; identity output -> nn.CrossEntropyLoss.
# cross_entropy_logits: nn.CrossEntropyLoss of whatever the output is (softmax: the double softmax);
# bce_with_logits: nn.BCEWithLogitsLoss (σ inside the loss).
LOSSES = ("mse", "half_sse", "cross_entropy", "bce", "cross_entropy_logits", "bce_with_logits")
CLASS_LOSSES = ("cross_entropy", "cross_entropy_logits")  # targets may be class indices
PAIRINGS = {  # loss -> outputs it takes
    "mse": OUTPUTS, "half_sse": OUTPUTS, "cross_entropy": ("softmax", "identity"), "bce": ("sigmoid",),
    "cross_entropy_logits": OUTPUTS, "bce_with_logits": OUTPUTS,
}
MAX_PARAMS = 1_000_000
DEFAULT_EPOCHS = 100
MAX_EPOCHS = 10_000_000
_NETWORK_KEYS = {"sizes", "activation", "output", "loss", "lr", "freeze", "seed", "epochs"}
_DATA_KEYS = {"x", "y", "dataset", "csv", "seed", "rows"}


@dataclass(frozen=True, eq=False)
class Spec:
    sizes: tuple[int, ...]
    activations: tuple[str, ...]  # one per hidden layer
    output: str
    loss: str
    lr: float
    freeze: tuple[str, ...]
    seed: int
    params: dict[str, np.ndarray]  # the starting parameters: given ones, the rest seeded
    x: np.ndarray  # (rows, sizes[0])
    y: np.ndarray  # (rows, sizes[-1]) target rows (one-hot when labels were given)
    labels: np.ndarray | None = None  # class indices, for cross_entropy given as indices
    data_name: str = "inline"
    given: tuple[str, ...] = field(default=())  # the names [params] set
    epochs: int = DEFAULT_EPOCHS  # [network] epochs: how long `train` and the app's training run by default
    data_table: dict[str, Any] = field(default_factory=dict)  # [data] as written (a csv path made absolute)

    @property
    def layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def param_names(self) -> list[str]:
        return param_names(self.sizes)

    @property
    def param_count(self) -> int:
        return param_count(self.sizes)

    def act(self, layer: int) -> str:
        """The activation of layer 1..L (the last is the output)."""
        return self.output if layer == self.layers else self.activations[layer - 1]

    def with_params(self, params: dict[str, np.ndarray]) -> Spec:
        from dataclasses import replace

        return replace(self, params={k: np.array(v, dtype=np.float64) for k, v in params.items()})


def param_names(sizes: tuple[int, ...] | list[int]) -> list[str]:
    return [f"fc{i}.{kind}" for i in range(1, len(sizes)) for kind in ("weight", "bias")]


def param_count(sizes: tuple[int, ...] | list[int]) -> int:
    return sum(sizes[i + 1] * sizes[i] + sizes[i + 1] for i in range(len(sizes) - 1))


def param_shape(sizes: tuple[int, ...], name: str) -> tuple[int, ...]:
    layer = int(name[2:name.index(".")])
    out, inp = sizes[layer], sizes[layer - 1]
    return (out, inp) if name.endswith(".weight") else (out,)


def init_params(sizes: tuple[int, ...], seed: int) -> dict[str, np.ndarray]:
    """numpy default_rng(seed), uniform in ±1/√fan_in, weight then bias, layer by layer (as nn.Linear)."""
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for i in range(1, len(sizes)):
        bound = 1.0 / math.sqrt(sizes[i - 1])
        params[f"fc{i}.weight"] = rng.uniform(-bound, bound, (sizes[i], sizes[i - 1]))
        params[f"fc{i}.bias"] = rng.uniform(-bound, bound, sizes[i])
    return params


# -- loading ----------------------------------------------------------------------------------------
def load_spec(path: str, stdin_text: str | None = None) -> Spec:
    """Read a spec file ("-" is stdin, whose text the caller passes) and validate it."""
    if path == "-":
        return parse_spec(stdin_text or "", base=Path.cwd())
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as err:
        raise BadInput(f"{path}: cannot read ({err.strerror or err.__class__.__name__})") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
    return parse_spec(text, base=p.parent)


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_spec(text: str, base: Path | None = None) -> Spec:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = _TOML_AT.search(msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        head = _TOML_AT.sub("", msg).strip()
        lines = text.split("\n")
        source = lines[line - 1] if line and line <= len(lines) else None
        raise BadInput(f"not valid TOML: {head}", line, col, source) from None
    return _Validator(text, doc, base or Path.cwd()).spec()


class _Validator:
    def __init__(self, text: str, doc: dict[str, Any], base: Path) -> None:
        self.lines = text.split("\n")
        self.doc = doc
        self.base = base

    def fail(self, where: str, message: str) -> BadInput:
        """A message naming `[table] key`, with the key's line when it can be found in the text."""
        table = where[1:where.index("]")] if where.startswith("[") and "]" in where else ""
        key = where.split("] ")[-1].split("[")[0].strip().strip('"')
        pattern = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
        current = ""
        for i, text in enumerate(self.lines, 1):
            header = re.match(r"^\s*\[\s*([\w.-]+)\s*\]", text)
            if header:
                current = header.group(1)
            elif key and current == table and pattern.match(text):
                return BadInput(f"{where}: {message}", i)
        return BadInput(f"{where}: {message}")

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
        if not 1 <= epochs <= MAX_EPOCHS:
            raise self.fail("[network] epochs", f"must be between 1 and {MAX_EPOCHS:,}, got {epochs}")
        x, y, labels, data_name = self.data(sizes, loss)
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
        if count > MAX_PARAMS:
            raise self.fail("[network] sizes", f"{count:,} parameters is beyond the limit of {MAX_PARAMS:,}")
        return sizes

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
                return int(v)
            raise self.fail(where, f"must be a whole number, got {_kind(v)}")
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
            if rows is not None and not 2 <= rows <= D.MAX_ROWS:
                raise self.fail("[data] rows", f"must be between 2 and {D.MAX_ROWS:,}, got {rows}")
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
        if len(raw) > D.MAX_ROWS or len(raw) * width > D.MAX_CELLS:
            raise self.fail(where, f"too many rows (at most {D.MAX_ROWS:,})")
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
        path = Path(raw) if Path(raw).is_absolute() else self.base / raw
        x, rest = D.read_csv(path, width)
        ncols = {len(r) for r in rest}
        if len(ncols) != 1:
            raise BadInput(f"[data] csv: {path.name} rows have different numbers of columns")
        (k,) = ncols
        if loss in CLASS_LOSSES and k == 1:
            labels = np.array([self.label(D.csv_number(r[0], f"[data] csv: {path.name} row {i + 1}, target"),
                                          out, f"[data] csv: {path.name} row {i + 1}, target")
                               for i, r in enumerate(rest)], dtype=np.int64)
            return x, np.eye(out)[labels], labels, path.name
        if k != out:
            raise BadInput(f"[data] csv: {path.name} has {width + k} columns: {width} features (sizes[0]) "
                           f"leave {k} target column(s), but the output layer has {out} units")
        y = np.array([[D.csv_number(c, f"[data] csv: {path.name} row {i + 1}, column {width + j + 1}")
                       for j, c in enumerate(r)] for i, r in enumerate(rest)])
        if loss == "bce" and ((y < 0) | (y > 1)).any():
            raise BadInput(f"[data] csv: {path.name}: bce targets must lie between 0 and 1")
        return x, y, None, path.name


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
