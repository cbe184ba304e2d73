"""What a network trace has revealed at step position k, what the current step is about, and what the quiz
still hides.

Position k counts the steps taken (0: the start; steps[k − 1] is the current one), as on the chain screen.
Each figure stores the position at which it first appears, so "is z of layer 2 known at k?" is one
comparison. Pure: reads NetTrace.keys, the torch-figure keys the engine gives each step.

Quiz mode (backprop_tui.quiz) hides single entries of a step's array until the learner has predicted them:
`with_quiz(hide, answers)` gives a Reveal whose `shown(figure, layer, k, entry)` is False for those, and
whose `mask(text)` writes `?` for each of their numbers wherever a text substitutes it (a later step's
formula, a neuron's arithmetic, a warning). Every view of the network screen asks this one object, so a
pending number is hidden everywhere at once. Entries: (row, unit) for a neuron's figure, (out, in) for a
weight's gradient, () for the loss.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from backprop_tui.network.engine import NetTrace
from backprop_tui.numbers import full, short

NEVER = 1 << 60
Hide = Callable[[int], frozenset[tuple[int, ...]]]  # a step's index -> its entries still to predict
NUMBER = re.compile(r"(?<![0-9A-Za-z_.])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![0-9A-Za-z_]|\.\d)")


@dataclass(frozen=True)
class Focus:
    """The current step's place in the diagram: a layer's neurons, a layer's weights, or the loss."""

    kind: str  # "start" | "neurons" | "weights" | "loss"
    layer: int = 0
    what: str = ""  # neurons: z | a | grad_a | fprime | delta; weights: grad_w | grad_b | update_w | update_b


def _nothing(index: int) -> frozenset[tuple[int, ...]]:
    return frozenset()


def secret_texts(answers: Iterable[float]) -> frozenset[str]:
    """How a number's size is written in the screen's texts (6 significant digits, and in full; the sign is
    masked with it). A whole number is left out: 0 and 1 (a relu's slope, an identity's) are everywhere in the
    formulas, and are no secret."""
    out: set[str] = set()
    for v in answers:
        v = abs(float(v))
        if v != v or v == float("inf") or v.is_integer():
            continue
        out.update((short(v), full(v)))
    return frozenset(out)


@dataclass(frozen=True)
class Reveal:
    at: dict[tuple[str, int], int] = field(default_factory=dict)  # (figure, layer) -> position k
    focus: tuple[Focus, ...] = ()  # per step
    hide: Hide = _nothing  # quiz mode: each step's entries still to predict
    secrets: frozenset[str] = frozenset()  # their numbers as written: masked in any text

    @classmethod
    def of(cls, net: NetTrace) -> Reveal:
        at: dict[tuple[str, int], int] = {}
        focus: list[Focus] = []
        for i, key in enumerate(net.keys):
            k = i + 1
            kind, rest = key[0], key[1:]
            if kind == "loss":
                figure, layer, f = "loss", 0, Focus("loss")
            elif kind in ("grad", "updated"):
                name = rest[0]
                layer = int(name[2:name.index(".")])
                part = "w" if name.endswith("weight") else "b"
                figure = f"{'grad' if kind == 'grad' else 'update'}_{part}"
                f = Focus("weights", layer, figure)
            else:
                layer = int(rest[0])
                figure = {"z": "z", "a": "a", "grad_a": "grad_a", "fprime": "fprime", "jac": "fprime",
                          "grad_z": "delta"}[kind]
                f = Focus("neurons", layer, figure)
            at.setdefault((figure, layer), k)
            focus.append(f)
        return cls(at, tuple(focus))

    def with_quiz(self, hide: Hide, answers: Iterable[float], given: frozenset[str] = frozenset()) -> Reveal:
        """This reveal in quiz mode: `hide(i)` names step i's pending entries (quiz.Quiz.hidden_entries),
        `answers` are the pending numbers (masked in texts). given: texts never masked (secret_texts of the
        inputs, targets and parameters, and of the numbers already answered or shown): an answer written as
        one of them is on screen anyway, or is what the learner needs to answer (on a row x = 0, z is the
        bias itself; a relu's a is its z when z > 0)."""
        return replace(self, hide=hide, secrets=secret_texts(answers) - given)

    def known(self, figure: str, layer: int, k: int) -> bool:
        """Computed by position k (whether or not the quiz hides it)."""
        return self.at.get((figure, layer), NEVER) <= k

    def hidden(self, figure: str, layer: int, entry: tuple[int, ...]) -> bool:
        """The quiz waits for a prediction of this entry of the figure."""
        at = self.at.get((figure, layer))
        return at is not None and entry in self.hide(at - 1)

    def shown(self, figure: str, layer: int, k: int, entry: tuple[int, ...]) -> bool:
        """Computed by position k and not waiting for a prediction: its number may be shown."""
        return self.known(figure, layer, k) and not self.hidden(figure, layer, entry)

    def hidden_at(self, k: int) -> frozenset[tuple[int, ...]]:
        """The current step's entries still to predict."""
        return self.hide(k - 1) if 1 <= k <= len(self.focus) else frozenset()

    def mask(self, text: str) -> str:
        """The text with each pending number (as 6 significant digits or in full, either minus sign) as `?`."""
        if not self.secrets:
            return text
        secrets = self.secrets
        return NUMBER.sub(lambda m: "?" if m.group().lstrip("-−") in secrets else m.group(), text)

    def step_of(self, figure: str, layer: int) -> int:
        """The position at which a figure appears (NEVER: not in this trace, e.g. a frozen parameter)."""
        return self.at.get((figure, layer), NEVER)

    def focus_at(self, k: int) -> Focus:
        return self.focus[k - 1] if 1 <= k <= len(self.focus) else Focus("start")
