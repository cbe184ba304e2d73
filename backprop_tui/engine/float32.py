"""A snippet at its own dtypes: the engine's own float32 figures, emulated op by op (no torch here).

torch runs a snippet in float32 unless a tensor says float64 (lang.torch_dtypes). This module computes
what the program gives at those dtypes, to be compared with torch's own run (check.torch_snippet):

- every operation's result is rounded to the operation's dtype (numpy.float32, round half to even,
  overflow to inf), after computing it in float64 from operands already in that dtype; a Python number
  taking part in a float32 operation is first rounded to float32, as torch's CPU kernels do; float32
  sigmoid is torch's kernel step by step, 1/(1 + exp(−x)) with each step rounded;
- a gradient follows torch's backward formulas (derivatives.yaml: tanh's grad·(1 − y·y), sigmoid's
  grad·(1 − y)·y, div's −grad·((a/b)/b), pow's masks, softplus's threshold 20), each arithmetic step
  rounded in the operation's dtype, cast to each input's dtype, and summed in the input's dtype;
- IEEE throughout: an overflow is inf, 0·inf and inf/inf are nan, log(0) is −inf. Nothing is an error.

Limits (why checks compare within a bound, check.bounds): + − × ÷ and sqrt of float32 operands computed
in float64 and rounded once are exactly IEEE float32 (53 ≥ 2·24 + 2); the transcendental functions are
computed in float64 and rounded, so within 0.5 ulp + 2⁻²⁹ of exact, while torch's float32 kernels are not
correctly rounded (sigmoid up to 2 ulps, bench/kernel_ulps.py); torch's x**3 is x·x·x (two roundings),
and gradient contributions are summed in this engine's order, not necessarily torch's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from backprop_tui.lang.expr import Expr, Num, Op, Ref, postorder
from backprop_tui.lang.program import Program
from backprop_tui.lang.torch_dtypes import CAST_TARGET, program_dtypes

SOFTPLUS_THRESHOLD = 20.0  # torch.nn.functional.softplus(beta=1, threshold=20)


def rnd(v: float, dtype: str | None) -> float:
    """v stored in dtype: float32 rounds (round half to even; beyond float32's range, ±inf)."""
    if dtype == "float32":
        with np.errstate(all="ignore"):
            return float(np.float32(v))
    return float(v)


def _f64(name: str, x: float) -> float:
    """A one-input function on a float64, IEEE semantics (inf, nan, −inf for log(0)), never raising."""
    with np.errstate(all="ignore"):
        v = np.float64(x)
        if name == "exp":
            return float(np.exp(v))
        if name == "log":
            return float(np.log(v))
        if name == "sqrt":
            return float(np.sqrt(v))
        if name == "tanh":
            return float(np.tanh(v))
        if name == "sigmoid":
            return float(1.0 / (1.0 + np.exp(-v))) if x >= 0 else float(np.exp(v) / (1.0 + np.exp(v)))
        if name == "sin":
            return float(np.sin(v))
        if name == "cos":
            return float(np.cos(v))
        if name == "tan":
            return float(np.tan(v))
        if name == "softplus":
            return x if x > SOFTPLUS_THRESHOLD else float(np.log1p(np.exp(v)))
    raise KeyError(name)


def _arith(op: str, a: float, b: float) -> float:
    with np.errstate(all="ignore"):
        x, y = np.float64(a), np.float64(b)
        if op == "add":
            return float(x + y)
        if op == "sub":
            return float(x - y)
        if op == "mul":
            return float(x * y)
        if op == "div":
            return float(x / y)
        return float(np.power(x, y))  # pow: nan for a negative base to a fraction, inf for 0**-1


def op_value(op: str, xs: tuple[float, ...], dtype: str | None) -> float:
    """One operation at its dtype (operands already converted to it)."""
    if op in ("add", "sub", "mul", "div", "pow"):
        return rnd(_arith(op, *xs), dtype)
    x = xs[0]
    if op == "neg":
        return -x
    if op == "abs":
        return abs(x)
    if op == "relu":
        return x if x > 0 else (x if x != x else 0.0)
    if op == "square":
        return rnd(_arith("mul", x, x), dtype)
    if op in CAST_TARGET:
        return rnd(x, CAST_TARGET[op])
    if op == "sigmoid" and dtype == "float32":  # torch's CPU kernel, step by step: 1 / (1 + exp(-x)) in float
        return rnd(_arith("div", 1.0, rnd(_arith("add", 1.0, rnd(_f64("exp", -x), dtype)), dtype)), dtype)
    return rnd(_f64(op, x), dtype)


def op_grads(op: str, xs: tuple[float, ...], out: float, g: float, dtype: str | None,
             number: tuple[bool, ...]) -> tuple[float, ...]:
    """torch's backward of one operation: the gradient into each operand, at the operation's dtype.
    `number[k]`: operand k is a Python number (no gradient; it decides which pow backward runs)."""
    def r(v: float) -> float:
        return rnd(v, dtype)

    def m(a: float, b: float) -> float:
        return r(_arith("mul", a, b))

    def d(a: float, b: float) -> float:
        return r(_arith("div", a, b))

    def s(a: float, b: float) -> float:
        return r(_arith("sub", a, b))

    if op == "add":
        return g, g
    if op == "sub":
        return g, -g
    if op == "mul":
        return m(g, xs[1]), m(g, xs[0])
    if op == "div":
        a, b = xs
        return d(g, b), -m(g, d(d(a, b), b))
    if op == "pow":
        a, b = xs
        ga = 0.0 if b == 0 else m(g, m(b, r(_arith("pow", a, r(b - 1.0) if not number[1] else b - 1.0))))
        gb = 0.0 if (a == 0 and b >= 0) else m(g, m(out, r(_f64("log", a))))
        return ga, gb
    x = xs[0]
    if op == "neg":
        return (-g,)
    if op == "exp":
        return (m(g, out),)
    if op == "log":
        return (d(g, x),)
    if op == "sqrt":
        return (d(g, m(2.0, out)),)
    if op == "abs":
        return (m(g, float((x > 0) - (x < 0)) if x == x else x),)
    if op == "relu":
        return (g if out > 0 else 0.0,)
    if op == "tanh":
        return (m(g, s(1.0, m(out, out))),)
    if op == "sigmoid":
        return (m(m(g, s(1.0, out)), out),)
    if op == "sin":
        return (m(g, r(_f64("cos", x))),)
    if op == "cos":
        return (m(g, -r(_f64("sin", x))),)
    if op == "tan":
        return (m(g, r(_arith("add", 1.0, m(out, out)))),)
    if op == "softplus":
        if x > SOFTPLUS_THRESHOLD:
            return (g,)
        z = r(_f64("exp", x))
        return (d(m(g, z), r(_arith("add", z, 1.0))),)
    if op == "square":
        return (m(g, m(2.0, x)),)
    if op in CAST_TARGET:
        return (g,)  # ToCopyBackward: the caller rounds it to the operand's dtype
    raise ValueError(f"{op}: no float32 emulation (the snippet dialect does not have it)")


@dataclass
class DtypeRun:
    """The program at its own dtypes: every name's value, each statement's partials on detached inputs,
    ∂output/∂name, and the answers to the snippet's queries (None: no gradient)."""

    dtype: dict[str, str]
    values: dict[str, float]
    locals: dict[tuple[str, str], float] = field(default_factory=dict)
    grads: dict[str, float | None] = field(default_factory=dict)
    queries: dict[str, float | None] = field(default_factory=dict)


class Statement:
    """One statement evaluated at op level: each node's value, dtype and whether it needs a gradient."""

    def __init__(self, expr: Expr, env: dict[str, float], dtype_of, requires: dict[str, bool]) -> None:
        self.order = postorder(expr)
        self.value: dict[int, float] = {}
        self.dtype: dict[int, str | None] = {}
        self.needs: dict[int, bool] = {}
        for node in self.order:
            key = id(node)
            if isinstance(node, Num):
                self.value[key], self.dtype[key], self.needs[key] = node.value, None, False
            elif isinstance(node, Ref):
                self.value[key], self.dtype[key] = env[node.name], dtype_of(node.name)
                self.needs[key] = requires[node.name]
            else:
                kinds = [self.dtype[id(a)] for a in node.args]
                dt = CAST_TARGET.get(node.op) or ("float64" if "float64" in kinds else
                                                  "float32" if "float32" in kinds else None)
                xs = tuple(rnd(self.value[id(a)], dt) for a in node.args)  # a Python number joins in dt
                self.value[key], self.dtype[key] = op_value(node.op, xs, dt), dt
                self.needs[key] = any(self.needs[id(a)] for a in node.args)
        self.root = expr

    def backward(self, g: float, into: dict[str, float], dtype_of) -> None:
        """Push g (the root's gradient) down to the names read, summing each in the name's dtype."""
        adjoint: dict[int, float] = {id(self.root): g}
        for node in reversed(self.order):
            gn = adjoint.get(id(node))
            if gn is None:
                continue
            if isinstance(node, Ref):
                dt = dtype_of(node.name)
                into[node.name] = rnd(into[node.name] + gn, dt) if node.name in into else gn
                continue
            if not isinstance(node, Op) or not self.needs[id(node)]:
                continue
            dt = self.dtype[id(node)]
            xs = tuple(rnd(self.value[id(a)], dt) for a in node.args)
            number = tuple(isinstance(a, Num) for a in node.args)
            parts = op_grads(node.op, xs, self.value[id(node)], gn, dt, number)
            for arg, part in zip(node.args, parts, strict=True):
                if not self.needs[id(arg)]:
                    continue
                part = rnd(part, self.dtype[id(arg)])  # autograd casts a gradient to its input's dtype
                key = id(arg)
                adjoint[key] = rnd(adjoint[key] + part, self.dtype[key]) if key in adjoint else part


def run_at_dtypes(program: Program, output: str | None = None) -> DtypeRun:
    """Forward, locals, gradients of `output` and the queries, all at the program's own dtypes."""
    dtype_of = program_dtypes(program)
    out = output or program.output
    values: dict[str, float] = {}
    requires: dict[str, bool] = {}
    statements: dict[str, Statement] = {}
    for a in program.assignments:
        if a.is_leaf:
            values[a.name] = rnd(a.expr.value, dtype_of(a.name))  # type: ignore[union-attr]
            requires[a.name] = not a.constant
            continue
        requires[a.name] = any(requires[n] for n in a.reads)
        st = Statement(a.expr, values, dtype_of, requires)
        statements[a.name] = st
        values[a.name] = rnd(st.value[id(a.expr)], dtype_of(a.name))
    run = DtypeRun({n: dtype_of(n) for n in program.names}, values)
    everything = {n: True for n in program.names}  # locals: every input on a detached copy needs one
    for a in program.assignments:
        if a.name in statements and a.reads:
            detached = Statement(a.expr, values, dtype_of, everything)
            got: dict[str, float] = {}
            detached.backward(1.0, got, dtype_of)
            for name in a.reads:
                run.locals[(a.name, name)] = got.get(name, 0.0)
    run.grads = _grads(program, out, _reached(program, out, statements, requires, dtype_of), requires)
    passes: dict[str, dict[str, float]] = {}
    for q in program.queries:
        if q.of not in passes:
            passes[q.of] = _reached(program, q.of, statements, requires, dtype_of)
        run.queries[q.label] = passes[q.of].get(q.wrt)  # None: `of` does not use `wrt` (allow_unused)
    return run


def _reached(program: Program, of: str, statements: dict[str, Statement], requires: dict[str, bool],
             dtype_of) -> dict[str, float]:
    """∂of/∂name op by op, as torch's engine accumulates it, for the names a gradient reaches."""
    if not requires[of]:
        return {}
    acc: dict[str, float] = {of: 1.0}
    for i in range(program.index[of], -1, -1):  # type: ignore[attr-defined]
        a = program.assignments[i]
        g = acc.get(a.name)
        if g is None or a.name not in statements or not requires[a.name]:
            continue
        statements[a.name].backward(g, acc, dtype_of)
    return acc


def _grads(program: Program, of: str, acc: dict[str, float], requires: dict[str, bool]) -> dict[str, float | None]:
    """Every name's gradient: None where none is tracked, 0 where none reaches."""
    return {a.name: (acc.get(a.name, 0.0) if requires[a.name] else None) for a in program.assignments}


def differs(a: float | None, b: float | None) -> bool:
    """Not the same float (nan equals nan here)."""
    if a is None or b is None:
        return a is not b
    return not (a == b or (math.isnan(a) and math.isnan(b)))
