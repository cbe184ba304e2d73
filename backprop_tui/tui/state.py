"""What is known at step k: read from indexes stored once per trace, never by undoing arithmetic.

Position k counts steps taken: k = 0 is the start (nothing computed), k = n is the end of the backward
pass, and steps[k - 1] is the current step. Every revealed figure stores the k at which it appears, so
"is it known at k?" is one comparison, and jumping from the start to the end costs the same as one step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from backprop_tui.engine.step import Step
from backprop_tui.engine.trace import Trace

NEVER = 1 << 60


@dataclass
class StepState:
    trace: Trace
    value_at: dict[str, int] = field(default_factory=dict)
    local_at: dict[tuple[str, str], int] = field(default_factory=dict)
    grad_at: dict[str, int] = field(default_factory=dict)
    value_step: dict[str, Step] = field(default_factory=dict)
    local_step: dict[tuple[str, str], Step] = field(default_factory=dict)
    grad_step: dict[str, Step] = field(default_factory=dict)
    forward_end: int = 0  # k after the last forward step
    local_end: int = 0  # k after the last local step
    # quiz mode: a step whose number is hidden until the learner predicts it (quiz.Quiz.hidden); every
    # view that asks *_known or check() then shows `?` for it, with no change of its own
    hidden: Callable[[Step], bool] | None = None

    @classmethod
    def of(cls, trace: Trace) -> StepState:
        st = cls(trace)
        for s in trace.steps:
            k = s.index + 1
            if s.phase == "forward":
                st.value_at[s.target], st.value_step[s.target] = k, s
                st.forward_end = k
            elif s.phase == "local":
                key = (s.target, s.wrt or "")
                st.local_at[key], st.local_step[key] = k, s
                st.local_end = k
            elif s.phase == "backward":
                st.grad_at[s.target], st.grad_step[s.target] = k, s
        st.local_end = max(st.local_end, st.forward_end)
        return st

    @property
    def n(self) -> int:
        return len(self.trace.steps)

    def step(self, k: int) -> Step | None:
        return self.trace.steps[k - 1] if 1 <= k <= self.n else None

    def phase(self, k: int) -> str:
        s = self.step(k)
        return "start" if s is None else s.phase

    def value_known(self, name: str, k: int) -> bool:
        return self.value_at.get(name, NEVER) <= k and not self.hides(self.value_step.get(name))

    def local_known(self, of: str, wrt: str, k: int) -> bool:
        return self.local_at.get((of, wrt), NEVER) <= k and not self.hides(self.local_step.get((of, wrt)))

    def grad_known(self, name: str, k: int) -> bool:
        return self.grad_at.get(name, NEVER) <= k and not self.hides(self.grad_step.get(name))

    def hides(self, step: Step | None) -> bool:
        return self.hidden is not None and step is not None and self.hidden(step)

    def check(self, name: str, k: int) -> bool | None:
        """The torch verdict on the figures of `name` revealed by k: False if any disagrees, None if none
        is revealed or the referee has not answered yet."""
        seen = [s for s in (self.value_step.get(name), self.grad_step.get(name))
                if s is not None and s.index < k and not self.hides(s)]
        if not seen or not self.trace.checked:
            return None
        return all(s.ok is not False for s in seen)

    def verdict(self, name: str, k: int) -> str | None:
        """As `check`, in words: "agree", "disagree", "undecided" (every figure torch does not match is
        ill-conditioned: the exact referee cannot decide, never ✓ nor ✗), or None."""
        ok = self.check(name, k)
        if ok is None:
            return None
        if ok:
            return "agree"
        seen = [s for s in (self.value_step.get(name), self.grad_step.get(name))
                if s is not None and s.index < k and not self.hides(s) and s.ok is False]
        return "undecided" if all(s.verdict == "undecided" for s in seen) else "disagree"

    def disagreements(self) -> list[Step]:
        return [s for s in self.trace.steps if s.ok is False]
