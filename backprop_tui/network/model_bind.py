"""A read model file (lang.torch_model.ModelPlan) plus torch's replay of its RNG plan -> the network engine's
Spec, the epoch count, the notes said to the user, and the float32 run the referee makes for comparison.

The engine trains in float64 from torch's own initial parameters (float32 numbers, held exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.torch_model import ModelPlan
from backprop_tui.lang.torch_model.values import EvalError, evaluate
from backprop_tui.network.model_data import bind as bind_data
from backprop_tui.network.spec import Spec

DEFAULT_EPOCHS = 1000
MAX_EPOCHS = limits.EPOCHS
MAX_WORK = limits.MODEL_TRAIN_WORK
EPOCH_OVERHEAD = limits.MODEL_EPOCH_OVERHEAD
MAX_CELLS = limits.MODEL_ACTIVATION_CELLS
ENGINE_LOSS = {"MSELoss": "mse", "BCELoss": "bce", "BCEWithLogitsLoss": "bce_with_logits"}


@dataclass
class Bound:
    plan: ModelPlan
    spec: Spec
    epochs: int  # iterations of the loop
    epochs_value: int | None  # the value the epochs name holds (None: the loop's bound is a literal)
    start: int  # the loop variable's first value
    notes: list[str] = field(default_factory=list)
    epoch_notes: list[str] = field(default_factory=list)  # where the epoch count came from (train says it)

    def env(self, epoch: int, loss: float | None = None) -> dict[str, Any]:
        """The loop's names at epoch `epoch` (from 1): the loop variable, the epochs name, the loss."""
        from backprop_tui.lang.torch_model.loop import LOSS

        env: dict[str, Any] = {self.plan.loop.var: self.start + epoch - 1}
        if self.plan.loop.epochs_name:
            env[self.plan.loop.epochs_name] = self.epochs_value
        if loss is not None:
            env[LOSS] = loss
        return env

    def float32_run(self, report: list[int]) -> dict[str, Any]:
        """The referee's model_train32 request (check.torch_model.train_float32)."""
        spec = self.spec
        if self.plan.loss == "CrossEntropyLoss" and spec.labels is not None:
            y, y_dtype = spec.labels.tolist(), "int64"
        else:
            y, y_dtype = spec.y.tolist(), "float32"
        return {"model": self.plan.torch_model(), "params": {k: v.tolist() for k, v in spec.params.items()},
                "x": spec.x.tolist(), "y": y, "y_dtype": y_dtype, "epochs": self.epochs, "report": report}


def loop_epochs(plan: ModelPlan, override: int | None) -> tuple[int, int | None, int, list[str]]:
    """(iterations, the epochs name's value, the loop variable's start, notes), --epochs applied."""
    loop, notes = plan.loop, []
    try:
        start = int(evaluate(loop.start, {}))
        if loop.epochs_name is None:
            stop = int(evaluate(loop.stop, {}))
            value = None
            count = override if override is not None else stop - start
            if override is not None:
                notes.append(f"--epochs {override}: the loop runs {override} times (range's bound is a number)")
        else:
            value = override if override is not None else plan.constants.get(loop.epochs_name)
            if value is None:
                value = DEFAULT_EPOCHS
                notes.append(f"{loop.epochs_name} is not defined in the file: {DEFAULT_EPOCHS:,} (choose with "
                             "--epochs)")
            elif override is not None and loop.epochs_name in plan.constants:
                notes.append(f"--epochs {override} replaces {loop.epochs_name} = {plan.constants[loop.epochs_name]}")
            count = int(evaluate(loop.stop, {loop.epochs_name: value})) - start
    except (EvalError, TypeError, ValueError) as err:
        raise BadInput(f"line {loop.line}: the loop's range: {err}") from None
    if count < 1:
        raise BadInput(f"line {loop.line}: the loop runs {max(count, 0)} times; it needs at least one epoch")
    if count > MAX_EPOCHS:
        raise BadInput(f"line {loop.line}: {count:,} epochs is beyond the limit of {MAX_EPOCHS:,} "
                       f"{limits.named('EPOCHS')}")
    return count, value, start, notes


def engine_loss(plan: ModelPlan) -> str:
    if plan.loss == "CrossEntropyLoss":
        return "cross_entropy" if plan.activations[-1] == "identity" else "cross_entropy_logits"
    return ENGINE_LOSS[plan.loss]


def bind(plan: ModelPlan, init: dict[str, Any], data: str | None, epochs: int | None) -> Bound:
    """The Spec the engine trains: torch's initial parameters, the file's data (or `data`, or the default)."""
    count, value, start, epoch_notes = loop_epochs(plan, epochs)
    notes: list[str] = []
    sizes = plan.sizes
    loss = engine_loss(plan)
    params: dict[str, np.ndarray] = {}
    freeze: list[str] = []
    for k, layer in enumerate(plan.layers, 1):
        params[f"fc{k}.weight"] = np.array(init["params"][f"fc{k}.weight"], dtype=np.float64).reshape(
            layer.out, layer.inp)
        params[f"fc{k}.bias"] = np.array(init["params"][f"fc{k}.bias"], dtype=np.float64).reshape(layer.out)
        if not layer.bias:
            freeze.append(f"fc{k}.bias")
            notes.append(f"{layer.label} has no bias (bias=False): shown as fc{k}.bias, frozen at 0")
    if plan.data_defined and data is None:
        x, y, labels = _file_data(plan, init)
        data_name = f"{plan.x_name}, {plan.y_name} from the file"
    else:
        bound = bind_data(data, sizes[0], sizes[-1], plan.loss)
        x, y, labels = bound.x, bound.y, bound.labels
        data_name = bound.name if data is not None else f"{bound.name}, default"
        if data is not None and plan.data_defined:
            notes.append(f"--data {data} replaces the file's {plan.x_name} and {plan.y_name}: {bound.description}")
        elif data is None:
            notes.append(f"{plan.x_name} and {plan.y_name} are not defined in the file: bound {bound.description}; "
                         "choose another with --data NAME or --data FILE.csv")
        else:
            notes.append(f"data: {bound.description}")
    rows, count_params = len(x), sum(p.size for p in params.values())
    if rows * sum(sizes) > MAX_CELLS:
        raise BadInput(f"{rows:,} rows through layers of {'-'.join(map(str, sizes))} units is beyond the limit of "
                       f"{MAX_CELLS:,} numbers per pass {limits.named('MODEL_ACTIVATION_CELLS')}")
    if count * (rows * count_params + EPOCH_OVERHEAD) > MAX_WORK:
        most = MAX_WORK // (rows * count_params + EPOCH_OVERHEAD)
        raise BadInput(f"{count:,} epochs of {rows:,} rows through {count_params:,} parameters is beyond the work "
                       f"budget {limits.named('MODEL_TRAIN_WORK')}; at most {most:,} epochs here (--epochs)")
    seed = plan.seed if plan.seed is not None else 0
    spec = Spec(sizes, tuple(plan.activations[:-1]), plan.activations[-1], loss, plan.lr, tuple(freeze), seed,
                params, x, y, labels, data_name, tuple(params), epochs=count)  # the app's epochs field, as `train`
    mapping = ", ".join(f"fc{k} = {layer.label}" for k, layer in enumerate(plan.layers, 1))
    if any(layer.label != f"self.fc{k}" for k, layer in enumerate(plan.layers, 1)):
        notes.append(f"layers: {mapping}")
    return Bound(plan, spec, count, value, start, notes, epoch_notes)


def _file_data(plan: ModelPlan, init: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    tensors = init["tensors"]
    x = np.array(tensors[plan.x_name]["data"], dtype=np.float64)
    out = plan.sizes[-1]
    ty = tensors[plan.y_name]
    if ty["dtype"] == "int64":  # class indices (the reader allows them only for nn.CrossEntropyLoss)
        labels = np.array(ty["data"], dtype=np.int64).reshape(-1)
        return x, np.eye(out)[labels], labels
    y = np.array(ty["data"], dtype=np.float64)
    return x, y.reshape(len(x), out), None
