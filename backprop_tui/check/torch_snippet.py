"""torch's own answer to every query of a torch snippet, in float64: the figure beside the engine's.

One `torch.autograd.grad` call per distinct `of`, over all the inputs its queries ask about.
"""

from __future__ import annotations

import torch

from backprop_tui.check.torch_referee import build_graph
from backprop_tui.lang.program import Program


def torch_queries(program: Program) -> dict[str, float | None]:
    """label -> ∂of/∂wrt from torch autograd (None where torch gives no gradient: an unused input)."""
    env = build_graph(program)
    wrts: dict[str, list[str]] = {}
    for q in program.queries:
        names = wrts.setdefault(q.of, [])
        if q.wrt not in names:
            names.append(q.wrt)
    answers: dict[tuple[str, str], float | None] = {}
    for of, names in wrts.items():
        out = env[of]
        asked = [n for n in names if env[n].requires_grad]
        if out.requires_grad and asked:
            got = torch.autograd.grad(out, [env[n] for n in asked], allow_unused=True, retain_graph=True)
            answers.update({(of, n): (None if g is None else g.item()) for n, g in zip(asked, got, strict=True)})
    return {q.label: answers.get((q.of, q.wrt)) for q in program.queries}
