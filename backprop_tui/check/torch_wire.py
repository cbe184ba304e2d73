"""torch's float64 figures straight from the wire form of a chain program (lang.wire), for the referee.

The same figures as torch_referee.torch_figures, without building the program's expression objects
first: each statement's postorder tokens drive torch directly (a stack machine), and statements of the
same shape are differentiated together, as there. On a 10,000-statement program this saves the referee
the decoding that would otherwise sit between torch's import and its answer.
"""

from __future__ import annotations

from typing import Any

import torch

from backprop_tui.check.torch_referee import DTYPE, FUNCS, _tensor

_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}


def _run(tokens: list[Any], env: dict[str, Any]) -> torch.Tensor:
    stack: list[Any] = []
    push = stack.append
    for t in tokens:
        kind = t.__class__
        if kind is str:
            push(env[t])
        elif kind is float or kind is int:
            push(float(t))
        else:
            op, count, index = t
            args = stack[len(stack) - count:]
            del stack[len(stack) - count:]
            if op in _ARITH:
                a, b = args
                if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
                    a = _tensor(a)
                push(_ARITH[op](a, b))
            elif op == "softmax":
                stacked = torch.stack(torch.broadcast_tensors(*[_tensor(x) for x in args]))
                push(torch.softmax(stacked, 0)[index])
            else:
                push(FUNCS[op](_tensor(args[0])))
    result = stack[0]
    if len(tokens) == 1 and tokens[0].__class__ is str:
        return env[tokens[0]].clone()  # `y = x`: a node of its own, so its gradient is its own
    return _tensor(result)


def wire_figures(data: dict[str, Any]) -> dict[str, Any]:
    """check.figures.figures_to_lists's answer for lang.wire.encode(program) of a chain program."""
    rows = data["assignments"]
    env: dict[str, torch.Tensor] = {}
    for name, constant, tokens, _ in rows:
        if len(tokens) == 1 and tokens[0].__class__ is not str and tokens[0].__class__ is not list:
            env[name] = torch.tensor(float(tokens[0]), dtype=DTYPE, requires_grad=not constant)
        else:
            env[name] = _run(tokens, env)
    names = [row[0] for row in rows]
    values = torch.stack([env[n].detach() for n in names]).tolist()
    wrt = [n for n in names if env[n].requires_grad]
    grads: dict[str, float | None] = dict.fromkeys(names)
    out = env[data["output"]]
    if wrt and out.requires_grad:
        got = torch.autograd.grad(out, [env[n] for n in wrt], allow_unused=True)
        grads.update({n: None if g is None else g.item() for n, g in zip(wrt, got, strict=True)})
    elif wrt:
        grads.update(dict.fromkeys(wrt, 0.0))
    by_name = dict(zip(names, values, strict=True))
    return {"values": values, "grads": [grads[n] for n in names], "locals": _locals(rows, by_name),
            "queries": {}}


def _signature(tokens: list[Any], position: dict[str, int]) -> tuple:
    return tuple(("r", position[t]) if t.__class__ is str else (tuple(t) if t.__class__ is list else ("n", t))
                 for t in tokens)


def _locals(rows: list[Any], values: dict[str, float]) -> list[float]:
    """∂statement/∂input for every (statement, read), in that order; same-shaped statements vectorised."""
    groups: dict[tuple, list[Any]] = {}
    for row in rows:
        reads = row[3]
        if reads and not (len(row[2]) == 1 and row[2][0].__class__ is not str):
            groups.setdefault(_signature(row[2], {n: i for i, n in enumerate(reads)}), []).append(row)
    leaves: list[torch.Tensor] = []
    owners: list[tuple[list[Any], int]] = []
    outputs: list[torch.Tensor] = []
    for members in groups.values():
        first = members[0]
        env: dict[str, torch.Tensor] = {}
        for j, name in enumerate(first[3]):
            column = torch.tensor([values[m[3][j]] for m in members], dtype=DTYPE, requires_grad=True)
            env[name] = column
            leaves.append(column)
            owners.append((members, j))
        result = _run(first[2], env)
        outputs.append(result.sum() if result.dim() else result * len(members))
    found: dict[tuple[str, str], float] = {}
    if outputs:
        got = torch.autograd.grad(torch.stack(outputs).sum(), leaves, allow_unused=True)
        for (members, j), g in zip(owners, got, strict=True):
            column = [0.0] * len(members) if g is None else g.tolist()
            for m, d in zip(members, column, strict=True):
                found[(m[0], m[3][j])] = d
    return [found.get((row[0], r)) for row in rows for r in row[3]]
