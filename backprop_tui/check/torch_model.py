"""torch's side of a PyTorch model file, as pure functions over plain JSON data (the referee process only).

`replay_init(plan)` replays, with torch's own global generator and in source order, every statement of the
file that draws random numbers or makes a data tensor (torch.manual_seed, torch.randn/rand/randint,
torch.tensor, and each nn.Linear's initialisation): exactly the parameters and data the file would have.
`train_float32(run)` trains that model as the file does (float32, nn.Linear, the file's activations and
loss class, plain SGD) and returns the losses of the epochs asked for, as loss.item() gives them. The
referee serves them as the kinds "model.init" and "model.train32" (at the end; client: network.remote).

The plan (lang.torch_model.plan.ModelPlan.rng_plan) is {"statements": [...]}, each one of
    {"op": "manual_seed", "seed": s}
    {"op": "randn" | "rand", "name": "X", "size": [N, D], "dtype": "float32"}
    {"op": "randint", "name": "y", "low": 0, "high": 2, "size": [N], "dtype": "int64" | "float32"}
    {"op": "tensor", "name": "X", "data": [[...]], "dtype": "float32" | "int64"}
    {"op": "linear", "layer": k, "in": 10, "out": 20, "bias": true}      (k: its place in forward, from 1)
and the answer {"params": {"fc1.weight": [[...]], "fc1.bias": [...], ...},
                "tensors": {"X": {"data": [[...]], "dtype": "float32"}, ...}}.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from backprop_tui.check.kinds import Session, kind

_DTYPES = {"float32": torch.float32, "int64": torch.int64}


def replay_init(plan: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    tensors: dict[str, Any] = {}
    for s in plan["statements"]:
        op = s["op"]
        if op == "manual_seed":
            torch.manual_seed(int(s["seed"]))
        elif op in ("randn", "rand"):
            t = (torch.randn if op == "randn" else torch.rand)(*s["size"])
            tensors[s["name"]] = _wire(t.to(_DTYPES[s["dtype"]]))
        elif op == "randint":
            t = torch.randint(int(s["low"]), int(s["high"]), tuple(s["size"]))  # int64, as the file draws it
            tensors[s["name"]] = _wire(t.to(_DTYPES[s["dtype"]]))
        elif op == "tensor":
            tensors[s["name"]] = _wire(torch.tensor(s["data"], dtype=_DTYPES[s["dtype"]]))
        elif op == "linear":
            layer = nn.Linear(int(s["in"]), int(s["out"]), bias=bool(s["bias"]))
            k = int(s["layer"])
            params[f"fc{k}.weight"] = layer.weight.detach().tolist()
            params[f"fc{k}.bias"] = layer.bias.detach().tolist() if layer.bias is not None else [0.0] * int(s["out"])
        else:
            raise ValueError(f"unknown plan statement {op!r}")
    return {"params": params, "tensors": tensors}


def _wire(t: torch.Tensor) -> dict[str, Any]:
    return {"data": t.tolist(), "dtype": "int64" if t.dtype == torch.int64 else "float32"}


_ACTS = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
         "softmax": lambda a: torch.softmax(a, dim=1), "identity": lambda a: a}


def build_float32(model: dict[str, Any], params: dict[str, Any]) -> list[nn.Linear]:
    """The file's nn.Linear layers in forward order, holding the given (float32-exact) parameters."""
    layers = []
    for k, spec in enumerate(model["layers"], 1):
        layer = nn.Linear(int(spec["in"]), int(spec["out"]), bias=bool(spec["bias"]))
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(params[f"fc{k}.weight"], dtype=torch.float32))
            if layer.bias is not None:
                layer.bias.copy_(torch.tensor(params[f"fc{k}.bias"], dtype=torch.float32))
        layers.append(layer)
    return layers


def train_float32(run: dict[str, Any]) -> dict[str, Any]:
    """run = {"model": {"layers": [{"in", "out", "bias"}], "activations": [...], "loss": "CrossEntropyLoss" |
    "MSELoss" | "BCELoss" | "BCEWithLogitsLoss", "lr": x}, "params": {...}, "x": rows, "y": targets,
    "y_dtype": "int64" | "float32", "epochs": N, "report": [epochs, from 1, ascending]}
    -> {"losses": [loss.item() of each reported epoch, before its update]}.

    The loop is the file's: outputs = model(X); loss = criterion(outputs, y); zero_grad; backward; step,
    with SGD's update written as torch.optim.SGD (no momentum) performs it, p.add_(p.grad, alpha=-lr)
    (constructing torch.optim imports torch._dynamo, about 2 s; a test checks the numbers are the same).
    """
    model = run["model"]
    layers = build_float32(model, run["params"])
    acts = [_ACTS[a] for a in model["activations"]]
    criterion = getattr(nn, model["loss"])()
    x = torch.tensor(run["x"], dtype=torch.float32)
    y = torch.tensor(run["y"], dtype=_DTYPES[run["y_dtype"]])
    lr = float(model["lr"])
    params = [p for layer in layers for p in layer.parameters()]
    report = iter(sorted(set(int(k) for k in run["report"])))
    want = next(report, None)
    losses: list[float] = []
    for epoch in range(1, int(run["epochs"]) + 1):
        if want is None:
            break
        for p in params:
            p.grad = None  # optimizer.zero_grad() (set_to_none=True, torch's default)
        a = x
        for layer, act in zip(layers, acts, strict=True):
            a = act(layer(a))
        loss = criterion(a, y)
        loss.backward()
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-lr)
        if epoch == want:
            losses.append(loss.item())
            want = next(report, None)
    return {"losses": losses}


# -- the referee's request kinds (check.kinds) for a model file ---------------------------------------
@kind("model.init")
def _init(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """{"plan": {...}} -> {"init": {"params", "tensors"}} (replay_init)."""
    return {"init": replay_init(request["plan"])}


@kind("model.train32")
def _train32(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """{"run": {...}} -> {"losses": [...]} (train_float32)."""
    return train_float32(request["run"])
