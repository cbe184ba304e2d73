"""torch autograd in float64 as the independent referee: the same program, built from torch ops.

One backward pass gives every gradient; the statement-level locals come from a second graph in which
each statement reads detached copies of its inputs, summed so that one more pass gives them all.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from backprop_tui.check.figures import Figures, figures_to_json
from backprop_tui.check.kinds import Session, kind
from backprop_tui.engine.formulas import signature
from backprop_tui.lang.expr import Assignment, Expr, Num, Ref, postorder
from backprop_tui.lang.program import Program

DTYPE = torch.float64
_ARITH = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
}
FUNCS = {
    "neg": torch.neg, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs,
    "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "sin": torch.sin, "cos": torch.cos,
    "tan": torch.tan, "softplus": F.softplus, "square": torch.square,
    # the snippet's casts: in the float64 referee a copy (a node of its own, as in torch); the snippet kind
    # (check.torch_snippet) runs them as real casts
    "double": torch.clone, "float": torch.clone,
}


def _tensor(v: Any) -> torch.Tensor:
    return v if isinstance(v, torch.Tensor) else torch.tensor(float(v), dtype=DTYPE)


def torch_eval(expr: Expr, env: dict[str, torch.Tensor], softmax_cache: dict[int, torch.Tensor]) -> Any:
    if isinstance(expr, Ref):
        return env[expr.name].clone()  # a node of its own, so its gradient is its own
    got: dict[int, Any] = {}
    for node in postorder(expr):
        if isinstance(node, Num):
            got[id(node)] = node.value
        elif isinstance(node, Ref):
            got[id(node)] = env[node.name]
        elif node.op in _ARITH:
            a, b = (got[id(x)] for x in node.args)
            if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
                a = _tensor(a)
            got[id(node)] = _ARITH[node.op](a, b)
        elif node.op == "softmax":
            key = id(node.args)
            if key not in softmax_cache:  # p1, p2, p3 = softmax(...) share one softmax
                # broadcast: on the vectorised locals path a number may sit beside a column
                stacked = torch.stack(torch.broadcast_tensors(*[_tensor(got[id(x)]) for x in node.args]))
                softmax_cache[key] = torch.softmax(stacked, 0)
            got[id(node)] = softmax_cache[key][node.index]
        else:
            got[id(node)] = FUNCS[node.op](_tensor(got[id(node.args[0])]))
    return _tensor(got[id(expr)])


def build_graph(program: Program) -> dict[str, torch.Tensor]:
    """One tensor per named variable: leaves require grad unless const, the rest built from torch ops."""
    env: dict[str, torch.Tensor] = {}
    cache: dict[int, torch.Tensor] = {}
    for a in program.assignments:
        if isinstance(a.expr, Num):
            env[a.name] = torch.tensor(a.expr.value, dtype=DTYPE, requires_grad=not a.constant)
        else:
            env[a.name] = torch_eval(a.expr, env, cache)
    return env


def torch_figures(program: Program, output: str) -> Figures:
    env = build_graph(program)
    names = program.names
    values = dict(zip(names, torch.stack([env[n].detach() for n in names]).tolist(), strict=True))
    wrt = [n for n in names if env[n].requires_grad]
    grads: dict[str, float | None] = dict.fromkeys(names)
    out = env[output]
    if wrt and out.requires_grad:
        got = torch.autograd.grad(out, [env[n] for n in wrt], allow_unused=True)
        for n, g in zip(wrt, got, strict=True):
            grads[n] = None if g is None else g.item()
    elif wrt:
        grads.update(dict.fromkeys(wrt, 0.0))  # the output is a constant: nothing flows back
    return Figures(values, grads, _locals(program, values))


def _locals(program: Program, values: dict[str, float]) -> dict[tuple[str, str], float]:
    """∂statement/∂input for every edge, each statement on detached inputs at torch's own values.

    Statements of the same shape (`h2 = tanh(h1*w2 + b2)`, `h3 = tanh(h2*w3 + b3)`, …) are evaluated
    together on vectors: the same autograd rules, far fewer torch calls on a 10,000-line program.
    """
    groups: dict[tuple, list[Assignment]] = {}
    for a in program.assignments:
        if a.reads:
            groups.setdefault(signature(a), []).append(a)
    if not groups:
        return {}
    leaves: list[torch.Tensor] = []
    owners: list[tuple[list[Assignment], int]] = []
    outputs: list[torch.Tensor] = []
    for members in groups.values():
        first = members[0]
        env: dict[str, torch.Tensor] = {}
        for j, name in enumerate(first.reads):
            column = torch.tensor([values[m.reads[j]] for m in members], dtype=DTYPE, requires_grad=True)
            env[name] = column
            leaves.append(column)
            owners.append((members, j))
        out = torch_eval(first.expr, env, {})
        outputs.append(out.sum() if out.dim() else out * len(members))
    got = torch.autograd.grad(torch.stack(outputs).sum(), leaves, allow_unused=True)
    result: dict[tuple[str, str], float] = {}
    for (members, j), g in zip(owners, got, strict=True):
        column = [0.0] * len(members) if g is None else g.tolist()
        for m, d in zip(members, column, strict=True):
            result[(m.name, m.reads[j])] = d
    return result


@kind("chain")
def handle_chain(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """torch's float64 figures for a chain or snippet program (with the snippet's queries), and on request
    the finite differences.

    Fields: "program" (lang.wire.encode of a parsed, possibly atomized, program), or "text" (+ "output",
    "atomic") to parse here; "fd": add finite differences (default false). Answer: {"figures": ...}
    (check.figures.figures_to_json), or with "compact": true (no finite differences) {"lists": ...}
    (check.figures.figures_to_lists).
    """
    from dataclasses import replace

    from backprop_tui.lang import parse_program
    from backprop_tui.lang.wire import decode

    wire = request.get("program")
    if wire is not None and request.get("compact") and not request.get("fd") and wire.get("dialect") != "torch":
        from backprop_tui.check.torch_wire import wire_figures

        return {"lists": wire_figures(wire)}  # straight from the tokens: no expression objects to build
    if "program" in request:
        program = decode(request["program"])
    else:
        program = parse_program(request["text"], request.get("output"))
        if request.get("atomic"):
            from backprop_tui.engine.atomize import atomize

            program = atomize(program)
    fig = torch_figures(program, program.output)
    if program.dialect == "torch":
        from backprop_tui.check.torch_snippet import torch_queries

        fig = replace(fig, queries=torch_queries(program))
    if request.get("fd"):
        from backprop_tui.check.finite_diff import fd_figures
        from backprop_tui.engine.trace import build_trace

        fd_grads, fd_locals = fd_figures(build_trace(program))
        fig = replace(fig, fd_grads=fd_grads, fd_locals=fd_locals)
    if request.get("compact"):  # the client holds the program: lists in its order (figures_to_lists)
        from backprop_tui.check.figures import figures_to_lists

        return {"lists": figures_to_lists(fig, program)}
    return {"figures": figures_to_json(fig)}
