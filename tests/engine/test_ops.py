"""Every operation's rule against torch in float64, one line per case (in the spirit of tinygrad's test_ops).

`helper_test_op(expr, torch_fn, **inputs)` builds the program

    <input> = <value>        (one leaf per input)
    y = <expr>
    out = 3*y

and compares, with the project's tolerance (numbers.agree), the engine's value of y, its statement-level
locals ∂y/∂input and the gradients ∂out/∂input against torch autograd computed here, independently of the
project's referee; then it runs the project's referee too and wants every step ok.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from backprop_tui.check import check_trace
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang import parse_program
from backprop_tui.numbers import agree

F64 = torch.float64


def _t(v: float) -> torch.Tensor:
    return torch.tensor(v, dtype=F64, requires_grad=True)


def _grads(y: torch.Tensor, xs: list[torch.Tensor]) -> list[float]:
    got = torch.autograd.grad(y, xs, retain_graph=True, allow_unused=True)
    return [0.0 if g is None else g.item() for g in got]


def _close(engine: float | None, ref: float, what: str) -> None:
    assert engine is not None and agree(engine, ref), f"{what}: engine {engine!r}, torch {ref!r}"


def helper_test_op(expr: str, torch_fn, **inputs: float) -> None:
    text = "".join(f"{name} = {value!r}\n" for name, value in inputs.items()) + f"y = {expr}\nout = 3*y\n"
    trace = build_trace(parse_program(text))
    leaves = {name: _t(v) for name, v in inputs.items()}
    xs = list(leaves.values())
    y = torch_fn(*xs)
    out = 3 * y
    _close(trace.values["y"], y.item(), f"value of y = {expr}")
    _close(trace.values["out"], out.item(), "value of out")
    local = {(loc.of, loc.wrt): loc.value for loc in trace.locals}
    reads = set(trace.program.get("y").reads)
    for name, d in zip(leaves, _grads(y, xs), strict=True):
        if name in reads:
            _close(local[("y", name)], d, f"∂y/∂{name} of y = {expr}")
    for name, g in zip(leaves, _grads(out, xs), strict=True):
        _close(trace.grads[name], g, f"grad({name}) of y = {expr}")
    checked = check_trace(trace)
    bad = [s.formula for s in checked.steps if not s.ok]
    assert checked.ok and not bad, bad


# -- arithmetic -------------------------------------------------------------------------------------
def test_add():
    helper_test_op("x + w", lambda x, w: x + w, x=1.5, w=-0.25)


def test_sub():
    helper_test_op("x - w", lambda x, w: x - w, x=1.5, w=-0.25)


def test_mul():
    helper_test_op("x*w", lambda x, w: x * w, x=1.5, w=-0.25)


def test_div():
    helper_test_op("x/w", lambda x, w: x / w, x=1.5, w=-0.25)


def test_div_tiny_denominator():
    helper_test_op("x/w", lambda x, w: x / w, x=3.0, w=1e-150)  # w*w underflows; -(x/w)/w does not


def test_pow_variable_exponent():
    helper_test_op("x**w", lambda x, w: x**w, x=1.7, w=2.3)


def test_pow_number_exponents():
    helper_test_op("x**3", lambda x: x**3, x=-2.0)  # negative base, whole exponent
    helper_test_op("x**2", lambda x: x**2, x=-0.75)
    helper_test_op("x**-1", lambda x: x**-1, x=-0.5)
    helper_test_op("x**0.5", lambda x: x**0.5, x=2.25)
    helper_test_op("x**0", lambda x: x**0, x=-3.0)  # torch masks the exponent 0: derivative 0


def test_pow_number_base():
    helper_test_op("2**x", lambda x: 2**x, x=0.3)


def test_pow_zero_base():
    helper_test_op("x**w", lambda x, w: x**w, x=0.0, w=2.0)  # ∂/∂w = 0 where the base is 0, as torch


def test_neg():
    helper_test_op("-x", lambda x: -x, x=1.25)


def test_neg_binds_looser_than_pow():
    helper_test_op("-x**2", lambda x: -(x**2), x=3.0)
    helper_test_op("2**-x", lambda x: 2 ** (-x), x=3.0)
    helper_test_op("x**w**2", lambda x, w: x ** (w**2), x=1.5, w=1.2)  # right-associative


def test_precedence():
    helper_test_op("x + w*x - x/w", lambda x, w: x + w * x - x / w, x=0.5, w=4.0)
    helper_test_op("x - w - x", lambda x, w: (x - w) - x, x=0.5, w=4.0)  # left-associative
    helper_test_op("x/w/x", lambda x, w: (x / w) / x, x=0.5, w=4.0)


# -- functions --------------------------------------------------------------------------------------
def test_exp():
    helper_test_op("exp(x)", torch.exp, x=0.7)
    helper_test_op("exp(x)", torch.exp, x=-3.2)


def test_log():
    helper_test_op("log(x)", torch.log, x=0.3)
    helper_test_op("log(x)", torch.log, x=250.0)


def test_sqrt():
    helper_test_op("sqrt(x)", torch.sqrt, x=2.0)
    helper_test_op("sqrt(x)", torch.sqrt, x=1e-6)


def test_abs():
    helper_test_op("abs(x)", torch.abs, x=-1.5)
    helper_test_op("abs(x)", torch.abs, x=2.5)


def test_tanh():
    helper_test_op("tanh(x)", torch.tanh, x=0.4)
    helper_test_op("tanh(x)", torch.tanh, x=-8.0)


def test_sigmoid():
    helper_test_op("sigmoid(x)", torch.sigmoid, x=0.4)
    helper_test_op("sigmoid(x)", torch.sigmoid, x=-30.0)
    helper_test_op("sigmoid(x)", torch.sigmoid, x=30.0)


def test_relu():
    helper_test_op("relu(x)", torch.relu, x=0.4)
    helper_test_op("relu(x)", torch.relu, x=-0.4)


def test_sin():
    helper_test_op("sin(x)", torch.sin, x=0.4)
    helper_test_op("sin(x)", torch.sin, x=-2.5)


def test_cos():
    helper_test_op("cos(x)", torch.cos, x=0.4)
    helper_test_op("cos(x)", torch.cos, x=-2.5)


def test_tan():
    helper_test_op("tan(x)", torch.tan, x=0.4)
    helper_test_op("tan(x)", torch.tan, x=1.5)


def test_softplus():
    helper_test_op("softplus(x)", F.softplus, x=0.4)
    helper_test_op("softplus(x)", F.softplus, x=-12.0)
    helper_test_op("softplus(x)", F.softplus, x=25.0)  # past torch's threshold of 20: the identity


def test_square():
    helper_test_op("square(x)", torch.square, x=-1.5)


# -- compositions: repeated names, constants inside, several names ----------------------------------
def test_product_rule_in_one_statement():
    helper_test_op("x*x", lambda x: x * x, x=-1.5)
    helper_test_op("(x + x)*x", lambda x: (x + x) * x, x=3.0)
    helper_test_op("x*sin(x)*exp(-x)", lambda x: x * torch.sin(x) * torch.exp(-x), x=0.8)


def test_neuron():
    helper_test_op("tanh(x*w + b)", lambda x, w, b: torch.tanh(x * w + b), x=0.5, w=-1.5, b=0.25)
    helper_test_op("sigmoid(x*w + b)**2", lambda x, w, b: torch.sigmoid(x * w + b) ** 2, x=0.5, w=-1.5, b=0.25)
    helper_test_op("log(1 + exp(x*w))/b", lambda x, w, b: torch.log(1 + torch.exp(x * w)) / b, x=0.5, w=2.0,
                   b=4.0)


def test_numbers_in_expressions():
    helper_test_op("2.5e-1*x + .5 - 3.", lambda x: 0.25 * x + 0.5 - 3.0, x=2.0)


# -- softmax: several outputs from one statement ----------------------------------------------------
@pytest.mark.parametrize("zs", [(0.5, -1.2, 2.0), (0.0, 0.0), (3.0,), (100.0, -100.0, 0.0)])
def test_softmax(zs):
    names = [f"z{i + 1}" for i in range(len(zs))]
    outs = [f"p{i + 1}" for i in range(len(zs))]
    weights = [i + 1.0 for i in range(len(zs))]
    text = "".join(f"{n} = {v!r}\n" for n, v in zip(names, zs, strict=True))
    text += f"{', '.join(outs)} = softmax({', '.join(names)})\n"
    text += "out = " + " + ".join(f"{w!r}*{p}" for w, p in zip(weights, outs, strict=True)) + "\n"
    trace = build_trace(parse_program(text))
    leaves = [_t(v) for v in zs]
    ps = torch.softmax(torch.stack(leaves), 0)
    out = sum(w * ps[i] for i, w in enumerate(weights))
    local = {(loc.of, loc.wrt): loc.value for loc in trace.locals}
    for i, p in enumerate(outs):
        _close(trace.values[p], ps[i].item(), f"value of {p}")
        for name, d in zip(names, _grads(ps[i], leaves), strict=True):
            _close(local[(p, name)], d, f"∂{p}/∂{name}")
    for name, g in zip(names, _grads(out, leaves), strict=True):
        _close(trace.grads[name], g, f"grad({name})")
    assert math.isclose(sum(trace.values[p] for p in outs), 1.0)
    checked = check_trace(trace)
    assert checked.ok, [s.formula for s in checked.steps if not s.ok]


def test_softmax_of_expressions():
    text = "a = 0.5\nb = -2\np, q = softmax(a*b, a + b)\nout = p*q\n"
    trace = build_trace(parse_program(text))
    a, b = _t(0.5), _t(-2.0)
    s = torch.softmax(torch.stack([a * b, a + b]), 0)
    local = {(loc.of, loc.wrt): loc.value for loc in trace.locals}
    for k, name in enumerate(("p", "q")):
        for wrt, d in zip(("a", "b"), _grads(s[k], [a, b]), strict=True):
            _close(local[(name, wrt)], d, f"∂{name}/∂{wrt}")
    for wrt, g in zip(("a", "b"), _grads(s[0] * s[1], [a, b]), strict=True):
        _close(trace.grads[wrt], g, f"grad({wrt})")
    assert check_trace(trace).ok


# -- every function has a rule, and every rule is tested here --------------------------------------
def test_every_function_has_a_rule_and_a_torch_op():
    from backprop_tui.check.torch_referee import FUNCS as _FUNCS
    from backprop_tui.engine.rules import RULES
    from backprop_tui.lang.functions import FUNCTIONS

    source = Path(__file__).read_text(encoding="utf-8")
    for fn in FUNCTIONS:
        assert fn in RULES, fn
        assert fn in _FUNCS, fn
        assert f"def test_{fn}(" in source, f"no test for {fn}"
