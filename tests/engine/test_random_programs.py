"""Property: random well-formed programs agree with torch on every step, plain and atomic.

Programs are random DAGs of assignments over every operation. The strategy tracks each value as it
builds the text and only applies an operation where its value stays in a safe domain (log and sqrt of
numbers > 0.1, divisors away from 0, |values| <= 20), so every drawn program is valid input.
Built and checked in-process (build_trace + check_trace), not through a subprocess.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_tui.check import check_trace
from backprop_tui.engine.atomize import atomize
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang import parse_program
from backprop_tui.numbers import agree

BOUND = 20.0
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def _softplus(v: float) -> float:
    return v if v > 20 else math.log1p(math.exp(v))


# name -> (value, usable at v)
UNARY = {
    "exp": (math.exp, lambda v: v < 2.9),
    "log": (math.log, lambda v: v > 0.1),
    "sqrt": (math.sqrt, lambda v: v > 0.1),
    "abs": (abs, lambda v: True),
    "tanh": (math.tanh, lambda v: True),
    "sigmoid": (_sigmoid, lambda v: True),
    "relu": (lambda v: max(v, 0.0), lambda v: True),
    "sin": (math.sin, lambda v: True),
    "cos": (math.cos, lambda v: True),
    "tan": (math.tan, lambda v: abs(math.cos(v)) > 0.3),
    "softplus": (_softplus, lambda v: True),
    "square": (lambda v: v * v, lambda v: abs(v) < 4.0),
    "neg": (lambda v: -v, lambda v: True),
}
NUMBERS = [0.5, 2.0, 3.0, 1.5, -1.0, 0.25]


def _binary_options(a: float, b: float) -> list[tuple[str, float]]:
    out = [("+", a + b), ("-", a - b), ("*", a * b)]
    if abs(b) > 0.1:
        out.append(("/", a / b))
    if a > 0.1 and abs(b * math.log(a)) < 2.5:
        out.append(("**", a**b))
    return [(op, v) for op, v in out if abs(v) <= BOUND]


@st.composite
def expressions(draw, env: dict[str, float], depth: int) -> tuple[str, float]:
    """(text, value) of a random expression over the names in env."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if env and draw(st.integers(0, 4)) > 0:
            name = draw(st.sampled_from(sorted(env)))
            return name, env[name]
        v = draw(st.sampled_from(NUMBERS))
        return f"({v!r})", v
    kind = draw(st.sampled_from(["unary", "binary", "binary", "power"]))
    if kind == "unary":
        text, v = draw(expressions(env, depth - 1))
        options = sorted(fn for fn, (f, ok) in UNARY.items() if ok(v) and abs(f(v)) <= BOUND)
        fn = draw(st.sampled_from(options))
        value = UNARY[fn][0](v)
        return (f"-({text})" if fn == "neg" else f"{fn}({text})"), value
    if kind == "power":
        text, v = draw(expressions(env, depth - 1))
        options = [(e, v**e) for e in (2, 3, -1, 0.5, 0)
                   if (e != 0.5 or v > 0.1) and (e >= 0 or abs(v) > 0.2) and abs(v) ** e <= BOUND]
        if not options:
            return f"tanh({text})", math.tanh(v)
        e, value = draw(st.sampled_from(options))
        return f"({text})**{e}", value
    lt, lv = draw(expressions(env, depth - 1))
    rt, rv = draw(expressions(env, depth - 1))
    options = _binary_options(lv, rv)
    if not options:
        return f"sin({lt})", math.sin(lv)
    op, value = draw(st.sampled_from(options))
    return f"({lt}) {op} ({rt})", value


@st.composite
def programs(draw) -> tuple[str, str | None]:
    env: dict[str, float] = {}
    lines = []
    for i in range(draw(st.integers(1, 3))):
        v = draw(st.one_of(st.just(0.0), st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)))
        name = f"x{i}"
        lines.append(f"{name} = const({v!r})" if draw(st.integers(0, 5)) == 0 else f"{name} = {v!r}")
        env[name] = v
    for i in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 5)) == 0:  # softmax: several outputs
            k = draw(st.integers(1, 3))
            args = [draw(expressions(env, 2)) for _ in range(k)]
            top = max(v for _, v in args)
            exps = [math.exp(v - top) for _, v in args]
            names = [f"p{i}_{j}" for j in range(k)]
            lines.append(f"{', '.join(names)} = softmax({', '.join(t for t, _ in args)})")
            env.update({n: e / sum(exps) for n, e in zip(names, exps, strict=True)})
        else:
            text, v = draw(expressions(env, 3))
            name = f"h{i}"
            lines.append(f"{name} = {text}")
            env[name] = v
    of = draw(st.one_of(st.none(), st.sampled_from(sorted(env))))
    return "\n".join(lines) + "\n", of


def _disagreements(trace) -> list[str]:
    return [f"[{s.index}] {s.formula}: engine {s.value!r}, torch {s.torch_value!r}" for s in trace.steps
            if s.ok is not True]


@SETTINGS
@given(programs())
def test_random_programs_agree_with_torch(prog):
    text, of = prog
    trace = check_trace(build_trace(parse_program(text, of)))
    assert trace.ok, text + "\n".join(_disagreements(trace))
    assert all(s.ok is True for s in trace.steps)
    names = trace.names
    assert [s.target for s in trace.steps if s.phase == "forward"] == names
    assert [s.target for s in trace.steps if s.phase == "backward"] == names[::-1]
    assert sum(s.phase == "local" for s in trace.steps) == sum(len(a.reads) for a in trace.program.assignments)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_atomic_agree_with_torch_and_keep_leaf_gradients(prog):
    text, of = prog
    program = parse_program(text, of)
    plain = build_trace(program)
    atomic = check_trace(build_trace(atomize(program)))
    assert atomic.ok, text + "\n".join(_disagreements(atomic))
    for a in program.assignments:
        if a.is_leaf:
            g, h = plain.grads[a.name], atomic.grads[a.name]
            assert (g is None and h is None) or agree(g, h), (a.name, g, h)
