"""The exact referee: every value, local derivative and gradient in arbitrary precision (mpmath).

Inputs are the leaves as each side stored them: float64 doubles (a literal 0.1 is the double
0.1000000000000000055511151231257827, not the decimal), or float32 for a float32 program's tensors
(`as_float32=True`: leaves, and numbers meeting float32 tensors, rounded to float32 first). Every
operation is then exact to the working precision, with the engine's and torch's conventions (relu'(0) = 0,
abs'(0) = 0, pow's masks, softplus = x above its threshold 20).

Precision: the whole program is evaluated at 50 and at 100 significant digits; a figure is called
exact when the two agree to 20 significant digits (then its double is the correctly rounded exact value).
Where they do not (a cancellation deeper than 30 digits), the pair 100/200 and then 200/400 decides; past
that the figure is None. mpmath is pure Python: about 4 µs an operation, so a 2,000-variable program
costs well under a second, and larger ones are evaluated only where a verdict needs it (check.pipeline).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
from mpmath import mp, mpf

from backprop_tui.lang.expr import Expr, Num, Op, Ref, postorder
from backprop_tui.lang.program import Program

PRECISIONS = ((50, 100), (100, 200), (200, 400))
AGREE_DIGITS = 20
SOFTPLUS_THRESHOLD = 20


@dataclass(frozen=True)
class ExactFigures:
    """Exact figures as floats (the double nearest the exact value; None where not exact to 20 digits),
    and the exact values themselves for digit counts."""

    values: dict[str, float | None]
    locals: dict[tuple[str, str], float | None]
    grads: dict[str, float | None]  # None also for a name without gradient
    precise: dict[object, mpf]  # key -> the exact value (name, (of, wrt), ("grad", name))


def _sigmoid(x: mpf) -> mpf:
    return 1 / (1 + mpmath.exp(-x))


def _value(op: str, xs: list[mpf], index: int) -> mpf:
    if op == "add":
        return xs[0] + xs[1]
    if op == "sub":
        return xs[0] - xs[1]
    if op == "mul":
        return xs[0] * xs[1]
    if op == "div":
        return xs[0] / xs[1]
    if op == "pow":
        out = xs[0] ** xs[1]
        return out if isinstance(out, mpf) else mpf("nan")
    x = xs[0] if xs else mpf(0)
    simple = {"neg": lambda: -x, "exp": lambda: mpmath.exp(x), "log": lambda: mpmath.log(x),
              "sqrt": lambda: mpmath.sqrt(x), "abs": lambda: abs(x), "tanh": lambda: mpmath.tanh(x),
              "sigmoid": lambda: _sigmoid(x), "relu": lambda: x if x > 0 else mpf(0),
              "sin": lambda: mpmath.sin(x), "cos": lambda: mpmath.cos(x), "tan": lambda: mpmath.tan(x),
              "softplus": lambda: x if x > SOFTPLUS_THRESHOLD else mpmath.log1p(mpmath.exp(x)),
              "square": lambda: x * x, "double": lambda: x, "float": lambda: x}
    if op in simple:
        return simple[op]()
    if op == "softmax":
        top = max(xs)
        exps = [mpmath.exp(v - top) for v in xs]
        return exps[index] / mpmath.fsum(exps)
    raise KeyError(op)


def _partials(op: str, xs: list[mpf], out: mpf, index: int) -> list[mpf]:
    one, zero = mpf(1), mpf(0)
    if op == "add":
        return [one, one]
    if op == "sub":
        return [one, -one]
    if op == "mul":
        return [xs[1], xs[0]]
    if op == "div":
        return [1 / xs[1], -xs[0] / xs[1] ** 2]
    if op == "pow":
        a, b = xs
        da = zero if b == 0 else (mpf("inf") * b if a == 0 and b < 1 else b * a ** (b - 1))
        db = zero if a == 0 else (mpf("nan") if a < 0 else out * mpmath.log(a))
        return [da if isinstance(da, mpf) else mpf("nan"), db]
    if op == "softmax":
        s = [_value("softmax", xs, j) for j in range(len(xs))]
        return [s[index] * ((one if j == index else zero) - s[j]) for j in range(len(xs))]
    x = xs[0]
    table = {"neg": lambda: -one, "exp": lambda: out, "log": lambda: 1 / x,
             "sqrt": lambda: 1 / (2 * out) if out else mpf("inf"), "abs": lambda: mpf(mpmath.sign(x)),
             "tanh": lambda: 1 - out * out, "sigmoid": lambda: out * (1 - out),
             "relu": lambda: one if x > 0 else zero, "sin": lambda: mpmath.cos(x), "cos": lambda: -mpmath.sin(x),
             "tan": lambda: 1 + out * out,
             "softplus": lambda: one if x > SOFTPLUS_THRESHOLD else _sigmoid(x),
             "square": lambda: 2 * x, "double": lambda: one, "float": lambda: one}
    return [table[op]()]


def _stored(v: float, as_float32: bool) -> mpf:
    if as_float32:
        from backprop_tui.engine.float32 import rnd

        v = rnd(v, "float32")
    return mpf(v)


def _pass(program: Program, output: str, as_float32: bool, float32_names: frozenset[str],
          ) -> tuple[dict[str, mpf], dict[tuple[str, str], mpf], dict[str, mpf | None]]:
    """One evaluation at the current precision: values, statement-level partials, gradients."""
    values: dict[str, mpf] = {}
    locals_: dict[tuple[str, str], mpf] = {}
    requires: dict[str, bool] = {}
    for a in program.assignments:
        if isinstance(a.expr, Num):
            values[a.name] = _stored(a.expr.value, as_float32 and a.name in float32_names)
            requires[a.name] = not a.constant
            continue
        requires[a.name] = any(requires[n] for n in a.reads)
        values[a.name], parts = _statement(a.expr, values, as_float32 and a.name in float32_names)
        for name in a.reads:
            locals_[(a.name, name)] = parts.get(name, mpf(0))
    acc: dict[str, mpf] = {output: mpf(1)}
    stop = program.index[output]  # type: ignore[attr-defined]
    for i in range(stop, -1, -1):
        a = program.assignments[i]
        g = acc.get(a.name)
        if g is None or not requires[a.name] or g == 0:
            continue
        for name in a.reads:
            if requires[name]:
                acc[name] = acc.get(name, mpf(0)) + g * locals_[(a.name, name)]
    grads: dict[str, mpf | None] = {}
    for i, a in enumerate(program.assignments):
        grads[a.name] = (acc.get(a.name, mpf(0)) if i <= stop else mpf(0)) if requires[a.name] else None
    return values, locals_, grads


def _statement(expr: Expr, values: dict[str, mpf], round_numbers: bool) -> tuple[mpf, dict[str, mpf]]:
    order = postorder(expr)
    got: dict[int, mpf] = {}
    for node in order:
        if isinstance(node, Num):
            got[id(node)] = _stored(node.value, round_numbers)
        elif isinstance(node, Ref):
            got[id(node)] = values[node.name]
        else:
            try:
                got[id(node)] = _value(node.op, [got[id(x)] for x in node.args], node.index)
            except (ZeroDivisionError, ValueError):  # no exact value: the figure is not exact (None)
                got[id(node)] = mpf("nan")
    adjoint: dict[int, mpf] = {id(expr): mpf(1)}
    partial: dict[str, mpf] = {}
    for node in reversed(order):
        g = adjoint.get(id(node))
        if g is None:
            continue
        if isinstance(node, Ref):
            partial[node.name] = partial.get(node.name, mpf(0)) + g
        elif isinstance(node, Op):
            xs = [got[id(x)] for x in node.args]
            try:
                parts = _partials(node.op, xs, got[id(node)], node.index)
            except (ZeroDivisionError, ValueError):
                parts = [mpf("nan")] * len(xs)
            for arg, d in zip(node.args, parts, strict=True):
                if not isinstance(arg, Num):
                    adjoint[id(arg)] = adjoint.get(id(arg), mpf(0)) + g * d
    return got[id(expr)], partial


def _agree(a: mpf | None, b: mpf | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if mpmath.isnan(a) or mpmath.isnan(b) or mpmath.isinf(a) or mpmath.isinf(b):
        return (mpmath.isnan(a) and mpmath.isnan(b)) or a == b
    if a == b:
        return True
    return abs(a - b) <= abs(b) * mpf(10) ** -AGREE_DIGITS


def exact_figures(program: Program, output: str | None = None, as_float32: bool = False) -> ExactFigures:
    """Every figure of the program, exact to 20 significant digits where the precisions agree."""
    out = output or program.output
    float32_names: frozenset[str] = frozenset()
    if as_float32:
        from backprop_tui.lang.torch_dtypes import program_dtypes

        dtype_of = program_dtypes(program)
        float32_names = frozenset(n for n in program.names if dtype_of(n) == "float32")
    keys: list[object] = []
    settled: dict[object, mpf | None] = {}
    for low, high in PRECISIONS:
        with mp.workdps(low):
            first = _flatten(*_pass(program, out, as_float32, float32_names))
        with mp.workdps(high):
            second = _flatten(*_pass(program, out, as_float32, float32_names))
        if not keys:
            keys = list(second)
        for key in keys:
            if key not in settled and _agree(first[key], second[key]):
                settled[key] = second[key]
        if len(settled) == len(keys):
            break
    precise = {k: v for k, v in settled.items() if v is not None}
    values = {n: _float(settled.get(n)) for n in program.names}
    locals_ = {k: _float(settled.get(k)) for k in keys if isinstance(k, tuple) and k[0] != "grad"}
    grads = {n: _float(settled.get(("grad", n))) for n in program.names}
    return ExactFigures(values, locals_, grads, precise)  # type: ignore[arg-type]


def _flatten(values: dict, locals_: dict, grads: dict) -> dict[object, mpf | None]:
    flat: dict[object, mpf | None] = dict(values)
    flat.update(locals_)
    flat.update({("grad", n): g for n, g in grads.items()})
    return flat


def _float(v: mpf | None) -> float | None:
    return None if v is None else float(v)


def digits_kept(value: float | None, exact: mpf | None) -> int | None:
    """Significant digits of `value` that are right: ⌊−log10(|value − exact| / |exact|)⌋, capped at 16;
    17 where value is exactly the exact value; None where either is unknown or not finite."""
    if value is None or exact is None or mpmath.isnan(exact) or mpmath.isinf(exact):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    err = abs(mpf(value) - exact)
    if err == 0:
        return 17
    if exact == 0:
        return 0
    rel = float(err / abs(exact))  # one exact operation; the logarithm needs no more than a double
    if rel <= 0.0:
        return 16
    return max(0, min(16, math.floor(-math.log10(rel))))
