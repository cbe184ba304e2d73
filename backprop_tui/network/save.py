"""Keep what was trained: the spec with [params] filled in (it reopens to the same bits), and a runnable
PyTorch script that builds the same nn.Module and loads the same state_dict.

TOML: tomli-w writes the tables; matrices are written a row per line (tomli-w puts every number on its own
line), each float as repr(), which TOML reads back exactly; the text is parsed again before it is returned,
so a file that would not reopen identically is never written. Nothing here imports torch.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from backprop_tui.errors import BadInput
from backprop_tui.network.report import describe
from backprop_tui.network.spec import Spec

INLINE_DATA = 4_000  # numbers of data at most written into the torch script; beyond, it reads the spec


def _matrix(a: np.ndarray) -> str:
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    rows = ",\n    ".join(_matrix(r) for r in a)
    return "[\n    " + rows + ",\n]" if len(a) > 1 else "[" + rows + "]"


def _check_finite(params: dict[str, np.ndarray]) -> None:
    for name, p in params.items():
        if not np.isfinite(p).all():
            raise BadInput(f"{name} holds inf or nan (the training diverged): there is nothing to keep; "
                           "lower the learning rate and train again")


def spec_toml(spec: Spec, params: dict[str, np.ndarray], note: str = "") -> str:
    """The spec as TOML, [params] holding `params` in full; raises BadInput for non-finite parameters."""
    _check_finite(params)
    net: dict[str, Any] = {"sizes": list(spec.sizes), "activation": list(spec.activations) or "relu",
                           "output": spec.output, "loss": spec.loss, "lr": spec.lr, "seed": spec.seed,
                           "epochs": spec.epochs}
    if len(set(spec.activations)) == 1:
        net["activation"] = spec.activations[0]
    if spec.freeze:
        net["freeze"] = list(spec.freeze)
    data = {k: v for k, v in spec.data_table.items() if k not in ("x", "y")}
    head = [f"# {line}" for line in (note or f"saved by backprop-tui: {describe(spec)}").splitlines()]
    parts = ["\n".join(head), "[network]", *(f"{k} = {_value(v)}" for k, v in net.items()), "", "[params]"]
    for name in spec.param_names:
        parts.append(f'"{name}" = {_matrix(np.asarray(params[name], dtype=np.float64))}')
    parts.append("")
    parts += ["[data]", *(f"{k} = {_value(v)}" for k, v in data.items())]
    if "x" in spec.data_table:
        parts.append(f"x = {_matrix(spec.x)}")
        raw_y = spec.data_table.get("y")
        flat = isinstance(raw_y, list) and all(not isinstance(v, list) for v in raw_y)
        parts.append(f"y = {_flat(raw_y) if flat else _matrix(spec.y)}")
    text = "\n".join(parts) + "\n"
    _reopens(text, spec, params)
    return text


def _value(v: Any) -> str:
    """One TOML value on one line: numbers as repr (exact), strings escaped by tomli-w, flat lists inline."""
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return tomli_w.dumps({"v": v}).split("=", 1)[1].strip()


def _flat(values: list[Any]) -> str:
    return "[" + ", ".join(str(v) if isinstance(v, int) else repr(float(v)) for v in values) + "]"


def _reopens(text: str, spec: Spec, params: dict[str, np.ndarray]) -> None:
    """Parse the text again: every parameter must come back bit for bit."""
    doc = tomllib.loads(text)
    for name in spec.param_names:
        got = np.array(doc["params"][name], dtype=np.float64)
        if got.shape != params[name].shape or got.tobytes() != np.asarray(params[name], np.float64).tobytes():
            raise AssertionError(f"{name} would not reopen identically")


ACT = {"relu": "torch.relu({})", "sigmoid": "torch.sigmoid({})", "tanh": "torch.tanh({})", "identity": "{}"}


def torch_script(spec: Spec, params: dict[str, np.ndarray], spec_file: str, loss_value: float) -> str:
    """A runnable script: the nn.Module, this state_dict, the data, and the loss it prints."""
    _check_finite(params)
    L = spec.layers
    layers = "\n".join(f"        self.fc{i} = nn.Linear({spec.sizes[i - 1]}, {spec.sizes[i]})" for i in range(1, L + 1))
    body = []
    for i in range(1, L):
        body.append(f"        x = {ACT[spec.act(i)].format(f'self.fc{i}(x)')}")
    last = f"self.fc{L}(x)"
    out_expr = {"sigmoid": f"torch.sigmoid({last})", "softmax": f"torch.softmax({last}, dim=1)",
                "identity": last}[spec.output]
    body.append(f"        return {out_expr}" + ("  # logits: CrossEntropyLoss applies the softmax" if
                                                 spec.output == "identity" and spec.loss == "cross_entropy" else ""))
    state = ",\n".join(f'    "{name}": torch.tensor({_py(params[name])})' for name in spec.param_names)
    data = _data_lines(spec, spec_file)
    lines = [
        f'"""{describe(spec)}: the network backprop-tui trained, as plain PyTorch in float64.',
        "",
        f"Run it: `python {Path(spec_file).with_suffix('.py').name}`. It builds the module, loads the trained weights",
        f"(its state_dict, the same numbers as {Path(spec_file).name}) and prints the loss on the data; backprop-tui",
        f"computed {loss_value!r}.",
        '"""',
        "",
        "import torch",
        "from torch import nn",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        "",
        "class MLP(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        layers,
        "",
        "    def forward(self, x):",
        *body,
        "",
        "",
        "state_dict = {",
        state + ",",
        "}",
        "model = MLP()",
        "model.load_state_dict(state_dict)",
        "",
        *data,
        "",
        "with torch.no_grad():",
        "    out = model(X)",
        f"    loss = {_loss_expr(spec)}",
        'print(f"loss {loss.item()!r}")',
    ]
    return "\n".join(lines) + "\n"


def _py(a: np.ndarray) -> str:
    return repr(np.asarray(a, dtype=np.float64).tolist())


def _data_lines(spec: Spec, spec_file: str) -> list[str]:
    labels = spec.loss == "cross_entropy" and spec.labels is not None
    if spec.x.size + spec.y.size <= INLINE_DATA:
        y = f"torch.tensor({spec.labels.tolist()!r})" if labels else f"torch.tensor({_py(spec.y)})"  # type: ignore[union-attr]
        return [f"X = torch.tensor({_py(spec.x)})", f"y = {y}"]
    target = "torch.from_numpy(spec.labels)" if labels else "torch.from_numpy(spec.y)"
    return [f"# {len(spec.x):,} rows of data: read from the spec with backprop-tui's loader (the same numbers)",
            "from backprop_tui.network.spec import load_spec",
            "",
            f"spec = load_spec({str(Path(spec_file).resolve())!r})",
            "X = torch.from_numpy(spec.x)",
            f"y = {target}"]


def _loss_expr(spec: Spec) -> str:
    if spec.loss == "mse":
        return "nn.MSELoss()(out, y)"
    if spec.loss == "half_sse":
        return "0.5 * ((out - y) ** 2).sum() / len(X)"
    if spec.loss == "bce":
        return "nn.BCELoss()(out, y)"
    if spec.output == "identity":
        return "nn.CrossEntropyLoss()(out, y)"
    if spec.labels is not None:
        return "nn.NLLLoss()(torch.log(out), y)"
    return "-(y * torch.log(out)).sum() / len(X)"


def save_trained(spec: Spec, params: dict[str, np.ndarray], path: str, loss_value: float,
                 note: str = "") -> tuple[Path, Path]:
    """Write PATH (.toml) and the torch script beside it (.py); BadInput names what went wrong."""
    target = Path(path).expanduser()
    if target.suffix.lower() != ".toml":
        raise BadInput(f"{path}: name the spec something.toml (the torch script goes beside it as .py)")
    if not target.parent.is_dir():
        raise BadInput(f"{path}: the folder {target.parent} does not exist")
    if not math.isfinite(loss_value):
        raise BadInput("the loss is inf or nan (the training diverged): nothing worth keeping")
    text = spec_toml(spec, params, note)
    script = torch_script(spec, params, str(target), loss_value)
    py = target.with_suffix(".py")
    try:
        target.write_text(text, encoding="utf-8")
        py.write_text(script, encoding="utf-8")
    except OSError as err:
        raise BadInput(f"cannot write {err.filename or path}: {err.strerror or err}") from None
    return target, py
