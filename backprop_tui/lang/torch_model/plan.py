"""What the model reader found in a file: plain data, the input of the binding step and of the referee.

The RNG plan (`ModelPlan.rng_plan()`) is the JSON the torch referee replays: every statement that draws
from torch's generator (manual_seed, randn, rand, randint, nn.Linear's initialisation) or makes a data
tensor, in source order, because the order changes the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backprop_tui.lang.torch_model.values import Node, evaluate

# torch's loss classes, as the reader names them
LOSSES = ("CrossEntropyLoss", "MSELoss", "BCELoss", "BCEWithLogitsLoss")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "softmax", "identity")


@dataclass(frozen=True)
class Layer:
    """One nn.Linear, in forward order; `label` is how the file names it (self.fc1, model[0])."""

    label: str
    inp: int
    out: int
    bias: bool
    line: int


@dataclass(frozen=True)
class PrintStatement:
    """A print in the loop: its arguments (compiled), its separator, and the guard it sits under."""

    args: tuple[Node, ...]
    sep: str
    guard: Node | None
    line: int
    uses_loss: bool

    def line_for(self, env: dict[str, Any]) -> str:
        """The line this print writes (Python's print: str() of each value, joined by sep); EvalError carries
        what Python would raise."""
        return self.sep.join(str(evaluate(a, env)) for a in self.args)

    def shows(self, env: dict[str, Any]) -> bool:
        """Whether the guard lets the print run for these values of the loop's names."""
        return self.guard is None or bool(evaluate(self.guard, env))


@dataclass(frozen=True)
class Loop:
    """`for var in range(start, stop)`; `epochs_name` is the name in `stop` that --epochs rebinds."""

    var: str
    start: Node
    stop: Node
    epochs_name: str | None
    line: int


@dataclass(frozen=True)
class ModelPlan:
    layers: tuple[Layer, ...]
    activations: tuple[str, ...]  # applied after each layer, one per layer ("identity": none)
    loss: str  # one of LOSSES
    lr: float
    statements: tuple[dict[str, Any], ...]  # the RNG plan's statements, in source order
    seed: int | None  # the first torch.manual_seed's value; None: the file never seeds
    x_name: str
    y_name: str
    data_defined: bool  # the file defines X and y; else a default data set is bound
    loop: Loop
    prints: tuple[PrintStatement, ...]
    constants: dict[str, Any]  # the file's number names (num_epochs, sizes, lr)
    notes: tuple[str, ...] = ()  # what was accepted as a no-op
    warnings: tuple[str, ...] = ()  # where torch and the textbook differ
    model_name: str = "model"
    class_name: str | None = None  # the nn.Module subclass; None: nn.Sequential
    epochs_defined: bool = True  # the loop's bound is defined in the file
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.layers[0].inp, *(layer.out for layer in self.layers))

    def rng_plan(self) -> dict[str, Any]:
        """The referee's replay request: {"statements": [...]}, plain JSON."""
        return {"statements": [dict(s) for s in self.statements]}

    def torch_model(self) -> dict[str, Any]:
        """The model as the referee builds it for its float32 run (plain JSON)."""
        return {"layers": [{"in": layer.inp, "out": layer.out, "bias": layer.bias} for layer in self.layers],
                "activations": list(self.activations), "loss": self.loss, "lr": self.lr}
