"""A step: the one immutable record every front end renders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Phase = Literal["forward", "local", "backward", "loss", "update"]


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    phase: Phase
    target: str  # the node this step sets (for a local, the `of` side of the edge)
    formula: str  # the rule with numbers substituted, ending in the value
    value: float | None  # None: no gradient (a constant)
    wrt: str | None = None  # a local's other end: ∂target/∂wrt
    nondiff: bool = False  # at a kink (relu or abs at 0): torch's convention was used
    torch_value: float | None = None
    fd_value: float | None = None
    ok: bool | None = None  # None until the torch referee has answered
    terms: tuple[tuple[str, float, float], ...] = ()  # backward: (consumer, grad(consumer), local) per use

    @property
    def label(self) -> str:
        if self.phase == "local":
            return f"∂{self.target}/∂{self.wrt}"
        if self.phase == "backward":
            return f"grad({self.target})"
        return self.target
