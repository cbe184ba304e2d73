"""torch on a parsed snippet: its float64 query answers, and the program run at its own dtypes.

`torch_queries` gives torch's float64 answer to each `torch.autograd.grad` query, beside the engine's (one
call per distinct `of`). The referee's "snippet" kind runs the program as the user's torch would: leaves
in float32 unless they say float64, casts as casts, Python numbers as Python numbers (so `x * 0.1` stays
float32), the prints and queries replayed in source order. Its printed lines are therefore torch's own
output, byte for byte (`str(tensor)`, `str(t.item())`); nothing the user wrote is executed, only the
parsed program is rebuilt from torch operations.
"""

from __future__ import annotations

from typing import Any

import torch

from backprop_tui.check.kinds import Session, kind
from backprop_tui.check.torch_referee import FUNCS, build_graph
from backprop_tui.lang.expr import Expr, Num, Ref, postorder
from backprop_tui.lang.program import Program
from backprop_tui.lang.torch_dtypes import CAST_TARGET, program_dtypes

TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}


def torch_queries(program: Program) -> dict[str, float | None]:
    """label -> ∂of/∂wrt from torch autograd in float64 (None where torch gives no gradient: an unused input)."""
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


# -- the program at its own dtypes ----------------------------------------------------------------------
def eval_at_dtypes(expr: Expr, env: dict[str, torch.Tensor]) -> Any:
    """torch's value of an expression: tensors from env, Python numbers kept as Python numbers."""
    got: dict[int, Any] = {}
    for node in postorder(expr):
        if isinstance(node, Num):
            got[id(node)] = node.value
        elif isinstance(node, Ref):
            got[id(node)] = env[node.name]
        elif node.op in _ARITH:
            a, b = (got[id(x)] for x in node.args)
            got[id(node)] = _ARITH[node.op](a, b)
        elif node.op in CAST_TARGET:
            got[id(node)] = got[id(node.args[0])].to(TORCH_DTYPES[CAST_TARGET[node.op]])
        else:
            got[id(node)] = FUNCS[node.op](got[id(node.args[0])])
    return got[id(expr)]


def build_at_dtypes(program: Program) -> dict[str, torch.Tensor]:
    dtype_of = program_dtypes(program)
    env: dict[str, torch.Tensor] = {}
    for a in program.assignments:
        if isinstance(a.expr, Num):
            env[a.name] = torch.tensor(a.expr.value, dtype=TORCH_DTYPES[dtype_of(a.name)],
                                       requires_grad=not a.constant)
        else:
            env[a.name] = eval_at_dtypes(a.expr, env)
    return env


def _locals_at_dtypes(program: Program, env: dict[str, torch.Tensor]) -> list[list[Any]]:
    """∂statement/∂input on detached 0-dim copies at their own dtypes (the scalar kernels the program
    uses, never a vectorised batch), all in one backward pass."""
    leaves: list[torch.Tensor] = []
    owners: list[tuple[str, str]] = []
    outputs: list[torch.Tensor] = []
    for a in program.assignments:
        if not a.reads:
            continue
        detached = {n: env[n].detach().requires_grad_() for n in a.reads}
        out = eval_at_dtypes(a.expr, detached)
        outputs.append(out.double())  # d(sum)/d(out) = 1 exactly in any dtype
        for n in a.reads:
            leaves.append(detached[n])
            owners.append((a.name, n))
    if not outputs:
        return []
    got = torch.autograd.grad(torch.stack(outputs).sum(), leaves, allow_unused=True)
    return [[of, wrt, 0.0 if g is None else g.item()] for (of, wrt), g in zip(owners, got, strict=True)]


def run_snippet_in_torch(program: Program) -> dict[str, Any]:
    env = build_at_dtypes(program)
    names = program.names
    values = {n: env[n].item() for n in names}
    grads: dict[str, float | None] = dict.fromkeys(names)
    wrt = [n for n in names if env[n].requires_grad]
    out = env[program.output]
    if wrt and out.requires_grad:
        got = torch.autograd.grad(out, [env[n] for n in wrt], allow_unused=True, retain_graph=True)
        grads.update({n: 0.0 if g is None else g.item() for n, g in zip(wrt, got, strict=True)})
    answers: dict[str, torch.Tensor | None] = {}
    printed: list[str] = []
    for event, i in program.events:  # in source order, as the user's file runs
        if event == "query":
            q = program.queries[i]
            (answers[q.label],) = torch.autograd.grad(env[q.of], [env[q.wrt]], retain_graph=True,
                                                      allow_unused=True)
            continue
        p = program.prints[i]
        shown = answers[p.name] if p.name in answers else env[p.name]
        printed.append("None" if shown is None else (str(shown.item()) if p.item else str(shown)))
    return {
        "printed": printed, "values": values, "grads": grads,
        "locals": _locals_at_dtypes(program, env),
        "queries": {label: None if g is None else g.item() for label, g in answers.items()},
        "dtypes": {n: str(env[n].dtype).removeprefix("torch.") for n in names},
    }


@kind("snippet")
def handle_snippet(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """{"program": lang.wire.encode(snippet)} -> the run at the program's dtypes: {"printed": torch's lines,
    "values", "grads" (∂output/∂name), "locals" ([of, wrt, value] rows), "queries" (by label), "dtypes"}.
    A script (backward(), loops, updates: lang.script) is replayed twice (check.torch_script): {"script": true,
    "at_dtypes": its run at the program's dtypes, "float64": its run in float64, "printed": torch's lines}."""
    from backprop_tui.lang.wire import decode

    program = decode(request["program"])
    if getattr(program, "script", None):
        from backprop_tui.check.torch_script import run_script_in_torch

        own = run_script_in_torch(program)  # type: ignore[arg-type]
        return {"script": True, "at_dtypes": own, "float64": run_script_in_torch(program, float64=True),  # type: ignore[arg-type]
                "printed": own["printed"]}
    return run_snippet_in_torch(program)
