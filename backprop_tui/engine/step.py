"""A step: the one immutable record every front end renders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Phase = Literal["forward", "local", "backward", "loss", "update", "reset"]


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
    ok: bool | None = None  # None until the torch referee has answered; never True unless they agree
    terms: tuple[tuple[str, float, float], ...] = ()  # backward: (consumer, grad(consumer), local) per use
    # the exact referee (check.exact) and the verdict's reasoning (check.verdict)
    exact_value: float | None = None  # None where not computed (or not exact to 20 digits)
    digits: int | None = None  # significant digits of `value` that are right (17: exactly the exact value)
    verdict: str | None = None  # "agree" | "exact" | "undecided" | "disagree"; None until checked
    note: str = ""  # sentences: why a verdict was drawn, what float32 did here
    # a float32 snippet: the step at the program's own dtypes, the engine's emulation beside torch's run
    value32: float | None = None
    torch_value32: float | None = None
    # a PyTorch script (lang.script): the loop iteration (the loop variable's value) and the backward() call
    # (1, 2, ...) the step belongs to; None outside loops and outside backward passes
    iteration: int | None = None
    backward_pass: int | None = None

    @property
    def label(self) -> str:
        if self.phase == "local":
            return f"∂{self.target}/∂{self.wrt}"
        if self.phase in ("backward", "reset"):
            return f"grad({self.target})"
        return self.target
