"""The whole file read: is every part there, do the data fit the model and the loss as torch requires, and
where does torch compute something other than the textbook (said in words, computed as torch does)?
"""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.torch_model.base import SUPPORTED_SHAPE
from backprop_tui.lang.torch_model.data import DataTensor
from backprop_tui.lang.torch_model.plan import ModelPlan

if TYPE_CHECKING:
    from backprop_tui.lang.torch_model.reader import TopLevel

RNG_OPS = ("randn", "rand", "randint", "linear")
MAX_PARAMS = limits.NETWORK_PARAMS


def assemble(top: TopLevel) -> ModelPlan:
    ctx = top.ctx
    if top.model is None or top.model_name is None:
        raise BadInput("no model: define `class Net(nn.Module)` and `model = Net(...)`, or "
                       "`model = nn.Sequential(...)`; " + SUPPORTED_SHAPE)
    if top.loop is None:
        raise BadInput("no training loop: add `for epoch in range(num_epochs):` with outputs = model(X), "
                       "loss = criterion(outputs, y), optimizer.zero_grad(), loss.backward(), optimizer.step()")
    if top.optimizer_name is None or top.lr is None:
        raise BadInput("no optimizer: add optimizer = optim.SGD(model.parameters(), lr=0.01) before the loop")
    parts = top.loop
    loss = parts.loss_kind or top.criteria[top.used_criterion or ""]
    loop = parts.loop
    built = top.model
    dynamic = {loop.epochs_name} if loop.epochs_name else set()
    before = [top.print_statement(call, None, dynamic, in_loop=False, constants=constants)
              for call, constants in top.before]
    x, y = top.tensors.get(parts.x_name), top.tensors.get(parts.y_name)
    if (x is None) != (y is None):
        have, missing = (parts.x_name, parts.y_name) if x is not None else (parts.y_name, parts.x_name)
        raise ctx.fail(f"`{have}` is defined but `{missing}` is not: define both, or neither (then a default data "
                       "set of the right shape is bound)", loop_node(top))
    for name in (parts.x_name, parts.y_name):
        if name in top.constants or name == top.model_name:
            raise ctx.fail(f"`{name}` is not a data tensor (torch.randn/rand/randint or torch.tensor)", loop_node(top))
    activations = tuple(built.activations)
    count = sum(layer.out * layer.inp + layer.out for layer in built.layers)
    if count > MAX_PARAMS:
        raise ctx.fail(f"{count:,} parameters is beyond the limit of {MAX_PARAMS:,} "
                       + limits.named("NETWORK_PARAMS"), ast.Pass(
            lineno=built.layers[0].line, col_offset=0))
    if x is not None and y is not None:
        check_data(top, x, y, built.layers[0].inp, built.layers[-1].out, loss)
    _check_output(top, loss, activations[-1])
    statements = list(top.statements)
    seeds = [i for i, s in enumerate(statements) if s["op"] == "manual_seed"]
    draws = [i for i, s in enumerate(statements) if s["op"] in RNG_OPS]
    notes = list(top.notes) + list(built.notes)
    seed = statements[seeds[0]]["seed"] if seeds else None
    if draws and (not seeds or draws[0] < seeds[0]):
        statements.insert(0, {"op": "manual_seed", "seed": 0, "line": 0, "implicit": True})
        notes.append("the file draws from torch's generator before any torch.manual_seed: seeded with "
                     "torch.manual_seed(0) (a plain run of the file would start from a random seed; add "
                     "torch.manual_seed(0) at the top to draw the same numbers)")
    epochs_defined = loop.epochs_name is None or loop.epochs_name in top.constants
    return ModelPlan(tuple(built.layers), activations, loss, top.lr, tuple(statements), seed, parts.x_name,
                     parts.y_name, x is not None, loop, tuple(parts.prints), dict(top.constants), tuple(notes),
                     tuple(warnings_for(loss, activations[-1], built.layers[-1].out)), top.model_name,
                     top.class_name, epochs_defined,
                     extra={"before": tuple(before), "after": tuple(top.after)})


def loop_node(top: TopLevel) -> ast.AST:
    """A stand-in node at the training loop's line, for messages about its data."""
    return ast.Pass(lineno=top.loop.loop.line if top.loop else 0, col_offset=0)


def check_data(top: TopLevel, x: DataTensor, y: DataTensor, width: int, out: int, loss: str) -> None:
    """As torch checks them when the loop first runs, before anything does."""
    ctx = top.ctx
    if x.dtype != "float32":
        raise ctx.fail(f"{x.name} holds whole numbers (int64): torch raises RuntimeError: mat1 and mat2 must have "
                       f"the same dtype; write floats or add .float()", x.node)
    if len(x.shape) != 2:
        raise ctx.fail(f"{x.name} has shape {_shape(x.shape)}: the model takes rows of {width} features, shape "
                       f"(N, {width})", x.node)
    n = x.shape[0]
    if x.shape[1] != width:
        raise ctx.fail(f"{x.name} has {x.shape[1]} features but the first layer takes {width}: torch raises "
                       f"RuntimeError: mat1 and mat2 shapes cannot be multiplied ({n}x{x.shape[1]} and "
                       f"{width}x{top.model.layers[0].out if top.model else '?'})", x.node)
    if y.shape[0] != n:
        raise ctx.fail(f"{y.name} has {y.shape[0]} rows but {x.name} has {n}: one target per row", y.node)
    if loss == "CrossEntropyLoss":
        if y.dtype == "int64":
            if len(y.shape) != 1:
                raise ctx.fail(f"class labels {y.name} are one index per row, shape ({n},), not {_shape(y.shape)}",
                               y.node)
            _check_labels(top, y, out)
            return
        if y.shape != (n, out):
            raise ctx.fail(f"{y.name} is float with shape {_shape(y.shape)}: nn.CrossEntropyLoss takes class indices "
                           f"(int64, shape ({n},); torch raises RuntimeError: expected scalar type Long but found "
                           f"Float) or probability rows of shape ({n}, {out})", y.node)
        return
    if y.dtype != "float32":
        raise ctx.fail(f"{y.name} holds whole numbers (int64): torch's {loss} raises RuntimeError: Found dtype Long "
                       "but expected Float; add .float()", y.node)
    if y.shape != (n, out):
        extra = (f"; torch would broadcast ({n}, 1) against ({n},) to ({n}, {n}) with a UserWarning, which is "
                 f"not supported: make {y.name} shape ({n}, 1) (y.view(-1, 1))"
                 if loss == "MSELoss" and y.shape == (n,) and out == 1 else "")
        raise ctx.fail(f"{y.name} has shape {_shape(y.shape)} but the model's output is ({n}, {out}): {loss} takes "
                       f"targets of the output's shape{extra}", y.node)


def _check_labels(top: TopLevel, y: DataTensor, classes: int) -> None:
    ctx = top.ctx
    if y.values is not None:
        for v in y.values:
            if not 0 <= v < classes:
                raise ctx.fail(f"label {int(v)} in {y.name}: torch raises IndexError: Target {int(v)} is out of "
                               f"bounds (the output has {classes} classes, 0..{classes - 1})", y.node)
    elif y.low is not None and y.high is not None and (y.low < 0 or y.high > classes):
        raise ctx.fail(f"torch.randint({y.low}, {y.high}, ...) draws labels {y.low}..{y.high - 1}, but the output "
                       f"has {classes} classes (0..{classes - 1}): torch would raise IndexError: Target ... is out of "
                       "bounds", y.node)


def _check_output(top: TopLevel, loss: str, last: str) -> None:
    if loss == "BCELoss" and last == "softmax":
        raise BadInput("nn.BCELoss after a softmax is not supported: BCE treats each output as its own "
                       "probability; end forward with torch.sigmoid, or use nn.CrossEntropyLoss on the logits")
    if loss == "BCELoss" and last != "sigmoid":
        raise BadInput(f"nn.BCELoss takes probabilities, but forward ends with {last}: torch raises RuntimeError: "
                       "all elements of input should be between 0 and 1 (end forward with torch.sigmoid, or use "
                       "nn.BCEWithLogitsLoss on the raw outputs)")
    if loss == "CrossEntropyLoss" and top.model is not None and top.model.layers[-1].out < 2:
        raise BadInput("nn.CrossEntropyLoss needs at least 2 output units (classes)")


def warnings_for(loss: str, last: str, classes: int) -> list[str]:
    """Where torch computes something other than the textbook reading of the code, in words."""
    if loss == "CrossEntropyLoss" and last == "softmax":
        floor = math.log(math.e + classes - 1) - 1
        return [f"double softmax: nn.CrossEntropyLoss applies log-softmax itself, so the softmax that ends forward "
                f"is applied twice. torch computes log_softmax(softmax(z)), and so does this tool: the loss cannot "
                f"fall below log(e + {classes - 1}) − 1 = {floor:.4f} and the gradients shrink. Return the logits "
                f"(drop the softmax) to train as intended."]
    if loss == "CrossEntropyLoss" and last != "identity":
        return [f"nn.CrossEntropyLoss reads its input as logits (it applies log-softmax itself); forward ends with "
                f"{last}, so torch computes log_softmax({last}(z)), and so does this tool. Return the raw "
                f"outputs to train as intended."]
    if loss == "BCEWithLogitsLoss" and last == "sigmoid":
        return ["double sigmoid: nn.BCEWithLogitsLoss applies the sigmoid itself, so the sigmoid that ends forward "
                "is applied twice. torch computes BCE(sigmoid(sigmoid(z))), and so does this tool: the probabilities "
                "the loss sees stay between 0.5 and 0.7311, so it cannot approach 0. Use nn.BCELoss after a "
                "sigmoid, or drop the sigmoid."]
    return []


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
