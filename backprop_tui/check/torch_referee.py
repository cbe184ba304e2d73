"""torch autograd in float64 as the independent referee: the same program, built from torch ops.

One backward pass gives every gradient; the statement-level locals come from a second graph in which
each statement reads detached copies of its inputs, summed so that one more pass gives them all.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from backprop_tui.check.figures import Figures
from backprop_tui.lang.expr import Expr, Num, Ref, postorder
from backprop_tui.lang.program import Program

DTYPE = torch.float64
_ARITH = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
}
_FUNCS = {
    "neg": torch.neg, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs,
    "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "sin": torch.sin, "cos": torch.cos,
    "tan": torch.tan, "softplus": F.softplus, "square": torch.square,
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
                stacked = torch.stack([_tensor(got[id(x)]) for x in node.args])
                softmax_cache[key] = torch.softmax(stacked, 0)
            got[id(node)] = softmax_cache[key][node.index]
        else:
            got[id(node)] = _FUNCS[node.op](_tensor(got[id(node.args[0])]))
    return _tensor(got[id(expr)])


def torch_figures(program: Program, output: str) -> Figures:
    env: dict[str, torch.Tensor] = {}
    cache: dict[int, torch.Tensor] = {}
    for a in program.assignments:
        if isinstance(a.expr, Num):
            env[a.name] = torch.tensor(a.expr.value, dtype=DTYPE, requires_grad=not a.constant)
        else:
            env[a.name] = torch_eval(a.expr, env, cache)
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
    return Figures(values, grads, _locals(program, env))


def _locals(program: Program, env: dict[str, torch.Tensor]) -> dict[tuple[str, str], float]:
    keys: list[tuple[str, str]] = []
    inputs: list[torch.Tensor] = []
    outputs: list[torch.Tensor] = []
    for a in program.assignments:
        if not a.reads:
            continue
        local_env = {n: env[n].detach().requires_grad_() for n in a.reads}
        outputs.append(torch_eval(a.expr, local_env, {}))
        for n in a.reads:
            keys.append((a.name, n))
            inputs.append(local_env[n])
    if not outputs:
        return {}
    total = torch.stack(outputs).sum()
    got = torch.autograd.grad(total, inputs, allow_unused=True)
    zeros = [0.0 if g is None else g for g in got]
    flat = torch.stack([_tensor(g) for g in zeros]).tolist()
    return dict(zip(keys, flat, strict=True))
