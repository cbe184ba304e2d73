"""What a network trace has revealed at step position k, and what the current step is about.

Position k counts the steps taken (0: the start; steps[k − 1] is the current one), as on the chain screen.
Each figure stores the position at which it first appears, so "is z of layer 2 known at k?" is one
comparison. Pure: reads NetTrace.keys, the torch-figure keys the engine gives each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backprop_tui.network.engine import NetTrace

NEVER = 1 << 60


@dataclass(frozen=True)
class Focus:
    """The current step's place in the diagram: a layer's neurons, a layer's weights, or the loss."""

    kind: str  # "start" | "neurons" | "weights" | "loss"
    layer: int = 0
    what: str = ""  # neurons: z | a | grad_a | fprime | delta; weights: grad_w | grad_b | update_w | update_b


@dataclass(frozen=True)
class Reveal:
    at: dict[tuple[str, int], int] = field(default_factory=dict)  # (figure, layer) -> position k
    focus: tuple[Focus, ...] = ()  # per step

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

    def known(self, figure: str, layer: int, k: int) -> bool:
        return self.at.get((figure, layer), NEVER) <= k

    def step_of(self, figure: str, layer: int) -> int:
        """The position at which a figure appears (NEVER: not in this trace, e.g. a frozen parameter)."""
        return self.at.get((figure, layer), NEVER)

    def focus_at(self, k: int) -> Focus:
        return self.focus[k - 1] if 1 <= k <= len(self.focus) else Focus("start")
