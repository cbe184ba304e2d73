"""The manual derivation: forward values and statement-level partials from the per-op rules.

For each assignment, a forward pass over its expression tree, then a reverse pass that gives the
partial derivative with respect to each name it reads, the other names held fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backprop_tui.engine.rules import RULES
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, postorder
from backprop_tui.numbers import short


@dataclass(frozen=True, slots=True)
class Local:
    """∂of/∂wrt with the other names held fixed."""

    of: str
    wrt: str
    value: float
    nondiff: bool


def eval_expr(expr: Expr, values: dict[str, float]) -> float:
    """Value only (finite differences use this): no domain messages, math errors propagate."""
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Ref):
        return values[expr.name]
    got: dict[int, float] = {}
    for node in postorder(expr):
        if isinstance(node, Op):
            xs = tuple(got[id(a)] for a in node.args)
            got[id(node)] = RULES[node.op].value(xs, node.index)
        else:
            got[id(node)] = node.value if isinstance(node, Num) else values[node.name]
    return got[id(expr)]


def evaluate(a: Assignment, values: dict[str, float]) -> tuple[float, list[Local]]:
    """The value of one assignment and its statement-level partials, in the order names are read."""
    expr = a.expr
    if isinstance(expr, Num):
        return expr.value, []
    if isinstance(expr, Ref):
        return values[expr.name], [Local(a.name, expr.name, 1.0, False)]
    order = postorder(expr)
    got: dict[int, float] = {}
    for node in order:
        if isinstance(node, Op):
            xs = tuple(got[id(arg)] for arg in node.args)
            got[id(node)] = _apply(node, xs, a)
        elif isinstance(node, Num):
            got[id(node)] = node.value
        else:
            got[id(node)] = values[node.name]
    adjoint: dict[int, float] = {id(expr): 1.0}
    partial: dict[str, float] = dict.fromkeys(a.reads, 0.0)
    kinked: set[str] = set()
    kinked_below: set[int] = set()
    for node in reversed(order):
        g = adjoint.get(id(node), 0.0)
        if isinstance(node, Ref):
            partial[node.name] += g
            if id(node) in kinked_below:
                kinked.add(node.name)
            continue
        if not isinstance(node, Op):
            continue
        rule = RULES[node.op]
        xs = tuple(got[id(arg)] for arg in node.args)
        parts = rule.partials(xs, got[id(node)], node.index)
        kink = rule.kink(xs) or id(node) in kinked_below
        for arg, d in zip(node.args, parts, strict=True):
            if not math.isfinite(d):
                raise _fail(f"the derivative of {node.op} here is {d} (at {_args(xs)})", node, a)
            adjoint[id(arg)] = adjoint.get(id(arg), 0.0) + g * float(d)
            if kink:
                kinked_below.add(id(arg))
    locals_ = []
    for name, d in partial.items():
        if not math.isfinite(d):
            raise BadInput(f"∂{a.name}/∂{name} overflows to {d}", a.line, a.col, a.text)
        locals_.append(Local(a.name, name, d, name in kinked))
    return got[id(expr)], locals_


def _apply(node: Op, xs: tuple[float, ...], a: Assignment) -> float:
    rule = RULES[node.op]
    problem = rule.domain(xs, node)
    if problem:
        raise _fail(problem, node, a)
    try:
        out = rule.value(xs, node.index)
    except OverflowError:
        raise _fail(f"{node.op}({_args(xs)}) overflows: the result is too large for a float", node, a) \
            from None
    except ZeroDivisionError:
        raise _fail("division by zero", node, a) from None
    if isinstance(out, complex) or not math.isfinite(out):
        raise _fail(f"{node.op}({_args(xs)}) gives {out}: overflow or not a real number", node, a)
    return float(out)


def _args(xs: tuple[float, ...]) -> str:
    return ", ".join(short(x) for x in xs)


def _fail(message: str, node: Op, a: Assignment) -> BadInput:
    line = node.line or a.line
    text = a.text if line == a.line else None
    return BadInput(f"in {a.name}: {message}", line, node.col or a.col, text)
