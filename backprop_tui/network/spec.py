"""A network spec: TOML (tomllib only, nothing executed) → a validated, immutable Spec.

Reading the TOML is spec_toml.py, checking what it says is spec_validate.py. Every problem is a BadInput
naming the table and key (and the line, when the key can be found); sizes follow backprop_tui.limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tui import limits
from backprop_tui.errors import BadInput

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
MAX_PARAMS = limits.NETWORK_PARAMS
DEFAULT_EPOCHS = 100


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
    """Read a spec file ("-" is stdin, whose text the caller passes) and validate it.

    Only a regular file of at most limits.SPEC_BYTES is read; every failure is a BadInput."""
    if path == "-":
        return parse_spec(stdin_text or "", base=Path.cwd())
    return parse_spec(read_spec_text(path), base=Path(path).parent)


def read_spec_text(path: str) -> str:
    """A spec file's text: a regular file within limits.SPEC_BYTES, UTF-8 ("-" reads standard input)."""
    from backprop_tui.files import read_bytes

    raw = read_bytes(path, "SPEC_BYTES", "network spec")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise BadInput(f"not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line})") from None


def parse_spec(text: str, base: Path | None = None) -> Spec:
    """Validate a spec's text; BadInput naming the table and key (and line) of the first problem."""
    from backprop_tui.network.spec_toml import read_toml
    from backprop_tui.network.spec_validate import Validator

    doc = read_toml(text)
    return Validator(text, doc, base or Path.cwd()).spec()
