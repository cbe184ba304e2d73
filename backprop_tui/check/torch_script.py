"""torch on a parsed script (lang.script): the user's program replayed from torch operations, event by event,
never executed: leaves, statements, `backward()`, in-place updates under `torch.no_grad()`, resets, prints.

Two runs: at the program's own dtypes (float32 unless it says float64: its printed lines are torch's own
output, byte for byte) and in float64 (every tensor float64, casts as copies: the figures the engine's
float64 steps are checked against). Each run reports, keyed as the engine's steps are:

    values    {name: value when created}
    locals    [[of, wrt, ∂of/∂wrt]] on detached copies of what each statement read when it ran
    passes    [{"grads": {name: ∂of/∂name in this pass}, "after": {leaf: its .grad after the pass}}]
    updates   {event index: the leaf's value after the update}
    resets    {event index: the .grad after the reset (0 or None)}
    queries   {label: ∂of/∂wrt}
    printed   the print lines
"""

from __future__ import annotations

from typing import Any

import torch

from backprop_tui.check.torch_referee import torch_eval
from backprop_tui.check.torch_snippet import TORCH_DTYPES, eval_at_dtypes
from backprop_tui.lang.expr import Expr, Num, Op, names_read
from backprop_tui.lang.script import Ask, Backward, Compute, Item, Leaf, Reset, RetainGrad, ScriptProgram, Show, Update

_IN_PLACE = {"sub": "sub_", "add": "add_", "mul": "mul_", "div": "div_"}


class _Replay:
    def __init__(self, program: ScriptProgram, float64: bool) -> None:
        self.program = program
        self.float64 = float64
        self.env: dict[str, torch.Tensor] = {}
        self.answers: dict[str, torch.Tensor | None] = {}
        self.reads: dict[str, tuple[str, ...]] = {}
        self.out: dict[str, Any] = {"values": {}, "locals": [], "passes": [], "updates": {}, "resets": {},
                                    "queries": {}, "printed": []}

    def dtype(self, name: str) -> torch.dtype:
        return torch.float64 if self.float64 else TORCH_DTYPES[self.program.dtypes.get(name, "float32")]

    def eval(self, expr: Expr, env: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.float64:
            return torch_eval(expr, env, {})
        got = eval_at_dtypes(expr, env)
        return got if isinstance(got, torch.Tensor) else torch.tensor(got)

    def views(self, names: tuple[str, ...]) -> None:
        for name in names:
            view = self.program.views.get(name)
            if view is not None:
                kind, owner = view
                if kind == "query":
                    self.env[name] = self.answers[owner]  # type: ignore[assignment]
                    continue
                t = self.env[owner]
                self.env[name] = t.grad if kind == "grad" else t.detach()

    def run(self) -> dict[str, Any]:
        for i, event in enumerate(self.program.script):
            getattr(self, type(event).__name__.lower())(i, event)
        return self.out

    def leaf(self, i: int, e: Leaf) -> None:
        if e.copy_of is not None:
            t = self.env[e.copy_of].detach()
            if e.requires:
                t.requires_grad_()
        else:
            t = torch.tensor(e.value, dtype=self.dtype(e.name), requires_grad=e.requires)
        self.env[e.name] = t
        self.out["values"][e.name] = t.item()

    def compute(self, i: int, e: Compute) -> None:
        a = e.assignment
        self.views(a.reads)
        if e.no_grad:
            with torch.no_grad():
                t = self.eval(a.expr, self.env)
        else:
            t = self.eval(a.expr, self.env)
        self.env[a.name] = t
        self.reads[a.name] = a.reads
        self.out["values"][a.name] = t.item()
        if t.requires_grad:  # ∂statement/∂each input, on detached copies of what it read now
            detached = {n: self.env[n].detach().requires_grad_() for n in a.reads}
            got = torch.autograd.grad(self.eval(a.expr, detached), [detached[n] for n in a.reads], allow_unused=True)
            self.out["locals"].extend([a.name, n, 0.0 if g is None else g.item()] for n, g in zip(a.reads, got,
                                                                                                     strict=True))

    def graph(self, of: str) -> list[str]:
        seen, stack = {of}, [of]
        while stack:
            for n in self.reads.get(stack.pop(), ()):
                if n not in seen and self.env[n].requires_grad:
                    seen.add(n)
                    stack.append(n)
        return list(seen)

    def backward(self, i: int, e: Backward) -> None:
        out = self.env[e.of]
        names = self.graph(e.of)
        retained = {n: self.env[n].grad for n in names if self.env[n].retains_grad}
        got = torch.autograd.grad(out, [self.env[n] for n in names], retain_graph=True, allow_unused=True)
        for n, g in retained.items():  # this extra call ran retain_grad's hook too: undo what it added
            self.env[n].grad = g
        grads = {n: 0.0 if g is None else g.item() for n, g in zip(names, got, strict=True)}
        out.backward(retain_graph=e.retain)
        after = {n: self.env[n].grad.item() for n in names  # type: ignore[union-attr]
                 if (self.env[n].is_leaf or self.env[n].retains_grad) and self.env[n].grad is not None}
        self.out["passes"].append({"grads": grads, "after": after})

    def ask(self, i: int, e: Ask) -> None:
        q = e.query
        (g,) = torch.autograd.grad(self.env[q.of], [self.env[q.wrt]], retain_graph=e.retain, allow_unused=True)
        self.answers[q.label] = g
        self.out["queries"][q.label] = None if g is None else g.item()

    def update(self, i: int, e: Update) -> None:
        assert isinstance(e.expr, Op)
        rhs = e.expr.args[1]
        self.views(names_read(rhs))
        target = self.env[e.leaf]
        with torch.no_grad():
            value: Any = rhs.value if isinstance(rhs, Num) else self.eval(rhs, self.env)
            getattr(target.data if e.via_data else target, _IN_PLACE[e.expr.op])(value)
        self.out["updates"][str(i)] = target.item()

    def reset(self, i: int, e: Reset) -> None:
        t = self.env[e.leaf]
        if e.to_none:
            t.grad = None
        else:
            t.grad.zero_()  # type: ignore[union-attr]
        self.out["resets"][str(i)] = None if t.grad is None else t.grad.item()

    def retaingrad(self, i: int, e: RetainGrad) -> None:
        self.env[e.name].retain_grad()

    def show(self, i: int, e: Show) -> None:
        self.out["printed"].append(" ".join(self.text(item) for item in e.items))

    def text(self, item: Item) -> str:
        kind, name = item.kind, item.name
        if kind in ("text", "number"):
            return item.text
        if kind == "none":
            return "None"
        if kind == "join":
            return "".join(self.text(p) for p in item.parts)
        shown = self.answers.get(name) if kind.startswith("query") else \
            self.env[name].grad if kind.startswith("grad") else self.env[name]
        if shown is None:
            return "None"
        if kind.endswith("item"):
            return format(shown.item(), item.spec) if item.spec else str(shown.item())
        return str(shown)


def run_script_in_torch(program: ScriptProgram, float64: bool = False) -> dict[str, Any]:
    """The script replayed in torch (see the module's docstring)."""
    return _Replay(program, float64).run()
