"""Per-operation rules: value, one partial derivative per input, its display formula, its domain.

The table reads like a page of a calculus book. Conventions at kinks follow torch: relu'(0) = 0,
abs'(0) = 0; such points are marked non-differentiable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from backprop_tui.engine import symbolic as S
from backprop_tui.lang.expr import Expr, Num, Op

Floats = tuple[float, ...]


@dataclass(frozen=True)
class Rule:
    op: str
    value: Callable[[Floats, int], float]
    partials: Callable[[Floats, float, int], Floats]
    symbolic: Callable[[tuple[Expr, ...], Op], tuple[Expr, ...]]
    calculus: tuple[str, ...]  # the textbook line per input, for the help and the step view
    # where the value itself is undefined (always an error), and where only a derivative is: (input, why),
    # an error only when that input needs a gradient (`c = const(0); y = sqrt(c)` is fine)
    domain: Callable[[Floats, Op], str | None] = lambda xs, node: None
    kink: Callable[[Floats], bool] = lambda xs: False
    grad_domain: Callable[[Floats, Op], tuple[int, str] | None] = lambda xs, node: None


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    return x if x > 20.0 else math.log1p(math.exp(x))  # torch's threshold=20


def _softmax(xs: Floats) -> list[float]:
    top = max(xs)
    exps = [math.exp(x - top) for x in xs]
    total = sum(exps)
    return [e / total for e in exps]


def operand(node: Op, i: int) -> str:
    """How the user wrote an operand (`b`, `(x + 1)`), for messages that name their own variables."""
    arg = node.args[i]
    text = S.render(arg, budget=40)
    if text is None:
        return "its operand"
    infix = isinstance(arg, Op) and arg.op in ("add", "sub", "mul", "div", "neg", "pow")
    return f"({text})" if infix else text


def _pow_domain(xs: Floats, node: Op) -> str | None:
    a, b = xs
    base, exponent = operand(node, 0), operand(node, 1)
    if a < 0 and not float(b).is_integer():
        return (f"{base}^{exponent} = ({a:g})^{b:g} is not a real number: a negative base needs a "
                "whole-number exponent")
    if a == 0 and b < 0:
        return f"division by zero: {base} = 0 raised to the negative power {exponent} = {b:g}"
    return None


def _pow_grad_domain(xs: Floats, node: Op) -> tuple[int, str] | None:
    """Problems of a derivative only: they matter when that operand needs a gradient."""
    a, b = xs
    base, exponent = operand(node, 0), operand(node, 1)
    if a == 0 and 0 < b < 1:
        return 0, f"{base}^{b:g} at {base} = 0 has an infinite derivative (like sqrt at 0)"
    if a < 0:
        return 1, (f"∂({base}^{exponent})/∂{exponent} = {base}^{exponent}·log({base}) is not real for the "
                   f"negative base {base} = {a:g}, and {exponent} needs a gradient (torch would give nan); "
                   f"make {exponent} a constant (const(...), or a tensor without requires_grad)")
    return None


def _pow_partials(xs: Floats, out: float, index: int) -> Floats:
    a, b = xs
    try:
        da = 0.0 if b == 0 else b * a ** (b - 1)  # torch masks exponent 0
    except (OverflowError, ZeroDivisionError):  # 1e-200**-1: the caller reports the infinite derivative
        da = math.inf
    # torch: 0 where the base is 0 and the exponent >= 0; not real (nan) for a negative base, which the
    # engine accepts only where the exponent needs no gradient (so this partial is never used)
    db = 0.0 if a == 0 else (math.nan if a < 0 else out * math.log(a))
    return da, db


def _unary(op: str, value: Callable[[float], float], partial: Callable[[float, float], float],
           symbolic: Callable[[Expr, Op], Expr], calculus: str,
           domain: Callable[[float, str], str | None] | None = None, kink: Callable[[float], bool] | None = None,
           grad_domain: Callable[[float, str], str | None] | None = None) -> Rule:
    """A one-input rule; `domain(x, operand text)` and `grad_domain(x, operand text)` name the operand."""
    return Rule(
        op,
        lambda xs, i: value(xs[0]),
        lambda xs, out, i: (partial(xs[0], out),),
        lambda args, node: (symbolic(args[0], node),),
        (calculus,),
        (lambda xs, node: domain(xs[0], operand(node, 0))) if domain else (lambda xs, node: None),
        (lambda xs: kink(xs[0])) if kink else (lambda xs: False),
        (lambda xs, node: _first(grad_domain(xs[0], operand(node, 0)))) if grad_domain else (lambda xs, node: None),
    )


def _first(problem: str | None) -> tuple[int, str] | None:
    return None if problem is None else (0, problem)


def _div_domain(xs: Floats, node: Op) -> str | None:
    return f"division by zero: the denominator {operand(node, 1)} is 0" if xs[1] == 0 else None


def _softmax_partials(xs: Floats, out: float, index: int) -> Floats:
    s = _softmax(xs)
    return tuple(s[index] * ((1.0 if j == index else 0.0) - s[j]) for j in range(len(xs)))


def _softmax_symbolic(args: tuple[Expr, ...], node: Op) -> tuple[Expr, ...]:
    k = node.index
    me = node
    return tuple(S.mul(me, S.sub(S.ONE, me)) if j == k else S.neg(S.mul(me, Op("softmax", node.args,
                 index=j))) for j in range(len(args)))


RULES: dict[str, Rule] = {r.op: r for r in [
    Rule("add", lambda xs, i: xs[0] + xs[1], lambda xs, o, i: (1.0, 1.0), lambda a, n: (S.ONE, S.ONE),
         ("∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1")),
    Rule("sub", lambda xs, i: xs[0] - xs[1], lambda xs, o, i: (1.0, -1.0), lambda a, n: (S.ONE, Num(-1.0)),
         ("∂(a - b)/∂a = 1", "∂(a - b)/∂b = -1")),
    Rule("mul", lambda xs, i: xs[0] * xs[1], lambda xs, o, i: (xs[1], xs[0]), lambda a, n: (a[1], a[0]),
         ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a")),
    Rule("div", lambda xs, i: xs[0] / xs[1], lambda xs, o, i: (1.0 / xs[1], -(xs[0] / xs[1]) / xs[1]),
         lambda a, n: (S.div(S.ONE, a[1]), S.neg(S.div(a[0], S.power(a[1], Num(2.0))))),
         ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = -a/b^2"), _div_domain),
    Rule("pow", lambda xs, i: xs[0] ** xs[1], _pow_partials,
         lambda a, n: (S.mul(a[1], S.power(a[0], S.sub(a[1], S.ONE) if not isinstance(a[1], Num)
                                          else Num(a[1].value - 1))),
                       S.mul(n, S.call("log", a[0]))),
         ("∂(a^b)/∂a = b·a^(b-1)", "∂(a^b)/∂b = a^b·log(a)"), _pow_domain,
         # 0^b is smooth in both inputs for a whole b >= 1 (x**2 at 0 is no kink); else torch's mask decides
         lambda xs: xs[0] == 0 and not (xs[1] >= 1 and float(xs[1]).is_integer()), _pow_grad_domain),
    _unary("neg", lambda x: -x, lambda x, o: -1.0, lambda a, n: Num(-1.0), "∂(-a)/∂a = -1"),
    _unary("exp", math.exp, lambda x, o: o, lambda a, n: n, "∂exp(a)/∂a = exp(a)"),
    _unary("log", math.log, lambda x, o: 1.0 / x, lambda a, n: S.div(S.ONE, a), "∂log(a)/∂a = 1/a",
           lambda x, a: None if x > 0 else f"log({a}) with {a} = {x:g}: log is defined only for positive numbers"
           + (" (torch gives -inf)" if x == 0 else " (torch gives nan)")),
    _unary("sqrt", math.sqrt, lambda x, o: 0.5 / o if o else math.inf, lambda a, n: S.div(S.ONE, S.mul(Num(2.0), n)),
           "∂sqrt(a)/∂a = 1/(2·sqrt(a))",
           lambda x, a: None if x >= 0 else f"sqrt of a negative number: sqrt({a}) with {a} = {x:g}",
           grad_domain=lambda x, a: None if x != 0 else
           f"sqrt({a}) at {a} = 0 has an infinite derivative (1/(2·sqrt(0))), and {a} needs a gradient"),
    _unary("abs", abs, lambda x, o: (x > 0) - (x < 0), lambda a, n: S.call("sign", a),
           "∂|a|/∂a = sign(a)  (0 at a = 0, as torch)", kink=lambda x: x == 0),
    _unary("tanh", math.tanh, lambda x, o: 1.0 - o * o, lambda a, n: S.sub(S.ONE, S.power(n, Num(2.0))),
           "∂tanh(a)/∂a = 1 - tanh(a)^2"),
    _unary("sigmoid", _sigmoid, lambda x, o: o * (1.0 - o), lambda a, n: S.mul(n, S.sub(S.ONE, n)),
           "∂σ(a)/∂a = σ(a)·(1 - σ(a))"),
    _unary("relu", lambda x: x if x > 0 else 0.0, lambda x, o: 1.0 if x > 0 else 0.0,
           lambda a, n: S.call("relu'", a), "∂relu(a)/∂a = 1 if a > 0 else 0  (0 at a = 0, as torch)",
           kink=lambda x: x == 0),
    _unary("sin", math.sin, lambda x, o: math.cos(x), lambda a, n: S.call("cos", a), "∂sin(a)/∂a = cos(a)"),
    _unary("cos", math.cos, lambda x, o: -math.sin(x), lambda a, n: S.neg(S.call("sin", a)),
           "∂cos(a)/∂a = -sin(a)"),
    _unary("tan", math.tan, lambda x, o: 1.0 + o * o, lambda a, n: S.add(S.ONE, S.power(n, Num(2.0))),
           "∂tan(a)/∂a = 1 + tan(a)^2"),
    _unary("softplus", _softplus, lambda x, o: 1.0 if x > 20.0 else _sigmoid(x),
           lambda a, n: S.call("sigmoid", a), "∂softplus(a)/∂a = σ(a)"),
    _unary("square", lambda x: x * x, lambda x, o: 2.0 * x, lambda a, n: S.mul(Num(2.0), a),
           "∂(a^2)/∂a = 2·a"),
    # the snippet's casts (lang.torch_dtypes): the same number in another precision; float32 rounding is
    # the float32 emulation's business (engine.float32), the float64 figures pass through
    _unary("double", lambda x: x, lambda x, o: 1.0, lambda a, n: S.ONE, "∂(a.double())/∂a = 1  (a float64 copy)"),
    _unary("float", lambda x: x, lambda x, o: 1.0, lambda a, n: S.ONE, "∂(a.float())/∂a = 1  (a float32 copy)"),
    Rule("softmax", lambda xs, i: _softmax(xs)[i], _softmax_partials, _softmax_symbolic,
         ("∂s_i/∂z_j = s_i·(δ_ij - s_j)",)),
]}
