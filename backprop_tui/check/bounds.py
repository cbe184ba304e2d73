"""How far rounding can move each figure: a first-order running error bound, derived op by op.

Every operation's result carries an absolute error bound E, propagated forward as
    E(f(x₁…xₙ)) = Σ |∂f/∂xᵢ|·E(xᵢ) + k_f·ulp(f)
where k_f is the kernel's own error in ulps of its result: ½ for the correctly rounded + − × ÷ and sqrt,
1 for exp, log, sin, cos, tan and pow, 1 for tanh where |x| ≥ 2 and 2 below (glibc's tanh reaches 1.97
ulps on (0, 2)), 2½ for sigmoid and 1½ for softplus (torch's float32 sigmoid reaches 2.05 ulps), n + 2 for
an n-way softmax: the larger of glibc's (the engine's math module) and torch's CPU kernels, as
bench/kernel_ulps.py measures them, rounded up. Each partial derivative carries the bound of the
formula that computes it from those values (tanh's 1 − t·t: 2|t|·E(t) + ½ulp(t²), the subtraction exact
by Sterbenz's lemma where t² ∈ [½, 2]); the chain rule's products and sums add ½ ulp each, so
    E(g·d) = |d|·E(g) + |g|·E(d) + ½ulp(g·d),   E(a + b) = E(a) + E(b) + ½ulp(a + b).
The bound is first order (products of two errors are dropped) and follows the engine's evaluation order;
torch evaluates the same operations (its backward formulas are the same expressions), so one bound
judges both sides. Leaves and numbers have no error: they are the inputs as stored.

A step whose bound exceeds 1e-6 of its exact value is ill-conditioned: no verdict is drawn there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backprop_tui.engine.rules import RULES
from backprop_tui.lang.expr import Expr, Num, Op, Ref, postorder
from backprop_tui.lang.program import Program

HALF = 0.5
KERNEL_ULPS = {"add": HALF, "sub": HALF, "mul": HALF, "div": HALF, "sqrt": HALF, "square": HALF,
               "neg": 0.0, "abs": 0.0, "relu": 0.0, "double": 0.0, "float": 0.0,
               "exp": 1.0, "log": 1.0, "sin": 1.0, "cos": 1.0, "tan": 1.0, "pow": 1.0,
               "sigmoid": 2.5, "softplus": 1.5}


def ulp(x: float) -> float:
    if x != x or x in (math.inf, -math.inf):
        return 0.0
    return math.ulp(x)


def kernel_ulps(op: str, xs: tuple[float, ...]) -> float:
    if op == "tanh":
        return 1.0 if abs(xs[0]) >= 2 else 2.0
    if op == "softmax":
        return len(xs) + 2.0
    return KERNEL_ULPS[op]


def _partial_errors(op: str, xs: tuple[float, ...], es: tuple[float, ...], out: float, eo: float,
                    parts: tuple[float, ...]) -> tuple[float, ...]:
    """E of each partial derivative, as the rule computes it from (xs, out)."""
    h = HALF
    if op in ("add", "sub", "neg", "relu", "abs", "double", "float"):
        return (0.0,) * len(xs)
    if op == "mul":
        return es[1], es[0]
    if op == "square":
        return (2 * es[0],)
    if op == "div":
        a, b = xs
        q = a / b
        return (es[1] / (b * b) + h * ulp(parts[0]),
                es[0] / (b * b) + 2 * abs(a) * es[1] / abs(b * b * b) + h * ulp(q) / abs(b) + h * ulp(parts[1]))
    if op == "pow":
        a, b = xs
        if a == 0 or not math.isfinite(parts[0]):
            return (ulp(parts[0]), 0.0)
        p1 = a ** (b - 1)
        if a < 0:  # a whole exponent that needs no gradient
            return (abs(b * (b - 1) * p1 / a) * es[0] + abs(b) * ulp(p1) + h * ulp(parts[0]), 0.0)
        log_a = math.log(a)
        eb1 = es[1] + h * ulp(b - 1)
        ea = abs(b) * (abs(b - 1) * abs(p1 / a) * es[0] + abs(p1 * log_a) * eb1) + abs(p1) * es[1] \
            + abs(b) * ulp(p1) + h * ulp(parts[0])
        eb = abs(log_a) * eo + abs(out / a) * es[0] + abs(out) * ulp(log_a) + h * ulp(parts[1])
        return ea, eb
    if op == "softmax":  # parts[j] = s_i·(δ_ij − s_j) ≤ 1 in size: E ≤ |δ − s_j|·E(s_i) + |s_i|·E(s_j) + ulp
        s = [RULES["softmax"].value(xs, j) for j in range(len(xs))]
        e_s = max(sum(abs(sk * ((1.0 if k == j else 0.0) - sj)) * ej for j, (sj, ej) in enumerate(zip(s, es,
                  strict=True))) + (len(xs) + 2) * ulp(sk) for k, sk in enumerate(s))
        return tuple(2 * e_s + ulp(p) for p in parts)
    x, e = xs[0], es[0]
    d = parts[0]
    if op == "exp":
        return (eo,)
    if op == "log":
        return (e / (x * x) + h * ulp(d),)
    if op == "sqrt":
        return (h * eo / (out * out) + h * ulp(d) if out else 0.0,)
    if op in ("tanh", "tan"):
        sq = out * out
        exact_sub = op == "tanh" and 0.5 <= sq <= 2.0
        return (2 * abs(out) * eo + h * ulp(sq) + (0.0 if exact_sub else h * ulp(d)),)
    if op == "sigmoid":
        exact_sub = 0.5 <= out <= 2.0
        return (abs(1 - 2 * out) * eo + abs(out) * (0.0 if exact_sub else h * ulp(1 - out)) + h * ulp(d),)
    if op == "sin":
        return (abs(math.sin(x)) * e + ulp(d),)
    if op == "cos":
        return (abs(math.cos(x)) * e + ulp(d),)
    if op == "softplus":
        return (0.0 if x > 20 else abs(d * (1 - d)) * e + 2.5 * ulp(d),)
    raise KeyError(op)


@dataclass
class Bounds:
    """Absolute rounding bounds of every value, statement-level local and gradient (∂output/∂name)."""

    values: dict[str, float]
    locals: dict[tuple[str, str], float]
    grads: dict[str, float]


def rounding_bounds(program: Program, output: str, values: dict[str, float]) -> Bounds:
    """The engine's float64 evaluation of `program`, bounded op by op (see the module's docstring)."""
    ev: dict[str, float] = {}
    el: dict[tuple[str, str], float] = {}
    local_values: dict[tuple[str, str], float] = {}
    for a in program.assignments:
        if isinstance(a.expr, Num):
            ev[a.name] = 0.0
            continue
        ev[a.name], partial = _statement(a.expr, values, ev)
        for name, (d, e) in partial.items():
            local_values[(a.name, name)], el[(a.name, name)] = d, e
    # the program's backward pass: acc[wrt] += g·∂/∂wrt in reverse order
    acc: dict[str, tuple[float, float]] = {output: (1.0, 0.0)}
    stop = program.index[output]  # type: ignore[attr-defined]
    for i in range(stop, -1, -1):
        a = program.assignments[i]
        if a.name not in acc:
            continue
        g, eg = acc[a.name]
        for name in a.reads:
            d, ed = local_values[(a.name, name)], el[(a.name, name)]
            term = g * d
            e_term = abs(d) * eg + abs(g) * ed + _product_rounding(g, d, term)
            if name in acc:
                s, es = acc[name]
                acc[name] = (s + term, es + e_term + HALF * ulp(s + term))
            else:
                acc[name] = (term, e_term)
    grads = {n: acc[n][1] if n in acc else 0.0 for n in program.names}
    return Bounds(ev, el, grads)


def _statement(expr: Expr, values: dict[str, float], ev: dict[str, float],
               ) -> tuple[float, dict[str, tuple[float, float]]]:
    """One statement: its value's bound, and each name's partial with its bound."""
    order = postorder(expr)
    got: dict[int, tuple[float, float]] = {}
    cache: dict[int, tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]] = {}
    for node in order:
        if isinstance(node, Num):
            got[id(node)] = (node.value, 0.0)
        elif isinstance(node, Ref):
            got[id(node)] = (values[node.name], ev[node.name])
        else:
            xs = tuple(got[id(a)][0] for a in node.args)
            es = tuple(got[id(a)][1] for a in node.args)
            rule = RULES[node.op]
            out = rule.value(xs, node.index)
            parts = tuple(rule.partials(xs, out, node.index))
            e_out = sum(abs(p) * e for p, e in zip(parts, es, strict=True) if e) \
                + kernel_ulps(node.op, xs) * ulp(out)
            got[id(node)] = (out, e_out)
            cache[id(node)] = (xs, es, parts)
    adjoint: dict[int, tuple[float, float]] = {id(expr): (1.0, 0.0)}
    partial: dict[str, tuple[float, float]] = {}
    for node in reversed(order):
        if id(node) not in adjoint:
            continue
        g, eg = adjoint[id(node)]
        if isinstance(node, Ref):
            if node.name in partial:
                s, es = partial[node.name]
                partial[node.name] = (s + g, es + eg + HALF * ulp(s + g))
            else:
                partial[node.name] = (g, eg)
            continue
        if not isinstance(node, Op):
            continue
        xs, es, parts = cache[id(node)]
        out, eo = got[id(node)]
        try:
            eparts = _partial_errors(node.op, xs, es, out, eo, parts)
        except (OverflowError, ZeroDivisionError, ValueError):  # past float64's range: no bound to give
            eparts = (math.inf,) * len(parts)
        for arg, d, ed in zip(node.args, parts, eparts, strict=True):
            if isinstance(arg, Num):
                continue
            term = g * d
            e_term = abs(d) * eg + abs(g) * ed + _product_rounding(g, d, term)
            if id(arg) in adjoint:
                s, e_s = adjoint[id(arg)]
                adjoint[id(arg)] = (s + term, e_s + e_term + HALF * ulp(s + term))
            else:
                adjoint[id(arg)] = (term, e_term)
    return got[id(expr)][1], partial


def _product_rounding(g: float, d: float, term: float) -> float:
    """½ ulp, unless the product is exact (a factor of 0 or ±1)."""
    return 0.0 if g in (0.0, 1.0, -1.0) or d in (0.0, 1.0, -1.0) else HALF * ulp(term)
