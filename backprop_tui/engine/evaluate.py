"""The manual derivation: forward values and statement-level partials from the per-op rules.

For each assignment, a forward pass over its expression tree, then a reverse pass that gives the
partial derivative with respect to each name it reads, the other names held fixed.

A derivative that does not exist (sqrt at 0, a negative base's ∂/∂exponent) is an error only where
it is needed: where the operand needs a gradient. Into an operand that needs none (a constant, a
number, a value computed from constants) the partial keeps the inf or nan torch also computes for it
on a detached input, as nothing uses it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backprop_tui.engine.rules import RULES
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, postorder, refs
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
    try:
        return _value(expr, values)
    except RecursionError:
        return _value_deep(expr, values)


def _value(node: Expr, values: dict[str, float]) -> float:
    """Recursive: fast for the shallow trees almost every statement is."""
    if isinstance(node, Ref):
        return values[node.name]
    if isinstance(node, Num):
        return node.value
    return RULES[node.op].value(tuple([_value(a, values) for a in node.args]), node.index)


def _value_deep(expr: Expr, values: dict[str, float]) -> float:
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


Requires = dict[str, bool] | None  # which names need a gradient; None: every name does


def needs_grad(expr: Expr, requires: Requires) -> bool:
    """Whether a gradient flows into this operand: it reads a name that needs one."""
    if isinstance(expr, Num):
        return False
    if requires is None:
        return True
    return any(requires.get(r.name, True) for r in refs(expr))


def evaluate(a: Assignment, values: dict[str, float], requires: Requires = None) -> tuple[float, list[Local]]:
    """The value of one assignment and its statement-level partials, in the order names are read."""
    expr = a.expr
    if isinstance(expr, Num):
        return expr.value, []
    if isinstance(expr, Ref):
        return values[expr.name], [Local(a.name, expr.name, 1.0, False)]
    try:
        return _evaluate_shallow(a, values, requires)
    except RecursionError:
        return _evaluate_deep(a, values, requires)


def _evaluate_shallow(a: Assignment, values: dict[str, float], requires: Requires) -> tuple[float, list[Local]]:
    """Recursive forward and reverse passes: fast for the shallow trees almost every statement is."""
    seen: dict[int, tuple[tuple[float, ...], float]] = {}

    def forward(node: Expr) -> float:
        if isinstance(node, Ref):
            return values[node.name]
        if isinstance(node, Num):
            return node.value
        xs = tuple([forward(arg) for arg in node.args])
        out = _apply(node, xs, a, requires)
        seen[id(node)] = (xs, out)
        return out

    partial: dict[str, float] = dict.fromkeys(a.reads, 0.0)
    kinked: set[str] = set()

    def reverse(node: Expr, g: float, kink: bool) -> None:
        if isinstance(node, Ref):
            partial[node.name] += g
            if kink:
                kinked.add(node.name)
            return
        if isinstance(node, Num):
            return
        xs, out = seen[id(node)]
        rule = RULES[node.op]
        kink = kink or rule.kink(xs)
        for arg, d in zip(node.args, rule.partials(xs, out, node.index), strict=True):
            if not math.isfinite(d):
                _undefined(node, arg, d, xs, a, requires)
            reverse(arg, g * float(d), kink)

    value = forward(a.expr)
    reverse(a.expr, 1.0, False)
    return value, _locals(a, partial, kinked, requires)


def _undefined(node: Op, arg: Expr, d: float, xs: tuple[float, ...], a: Assignment, requires: Requires) -> None:
    """A partial that is not finite is an error where a gradient needs it; elsewhere it is kept as it is
    (inf, nan), as torch computes it on a detached input, and nothing uses it."""
    if needs_grad(arg, requires):
        raise _fail(f"the derivative of {node.op} here is {d} (at {_args(xs)})", node, a)


def _locals(a: Assignment, partial: dict[str, float], kinked: set[str], requires: Requires) -> list[Local]:
    out = []
    for name, d in partial.items():
        if not math.isfinite(d) and (requires is None or requires.get(name, True)):
            raise BadInput(f"∂{a.name}/∂{name} overflows to {d}", a.line, a.col, a.text)
        out.append(Local(a.name, name, d, name in kinked))
    return out


def _evaluate_deep(a: Assignment, values: dict[str, float], requires: Requires) -> tuple[float, list[Local]]:
    """Iterative passes over the postorder: for a 10,000-term sum on one line."""
    expr = a.expr
    order = postorder(expr)
    got: dict[int, float] = {}
    for node in order:
        if isinstance(node, Op):
            xs = tuple(got[id(arg)] for arg in node.args)
            got[id(node)] = _apply(node, xs, a, requires)
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
                _undefined(node, arg, d, xs, a, requires)
            adjoint[id(arg)] = adjoint.get(id(arg), 0.0) + g * float(d)
            if kink:
                kinked_below.add(id(arg))
    return got[id(expr)], _locals(a, partial, kinked, requires)


def _apply(node: Op, xs: tuple[float, ...], a: Assignment, requires: Requires = None) -> float:
    rule = RULES[node.op]
    problem = rule.domain(xs, node)
    if problem:
        raise _fail(problem, node, a)
    grad_problem = rule.grad_domain(xs, node)
    if grad_problem is not None and needs_grad(node.args[grad_problem[0]], requires):
        raise _fail(grad_problem[1], node, a)
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
