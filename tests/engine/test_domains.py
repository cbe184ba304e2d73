"""Domain rules ask whether an operand needs a gradient, not whether it is a literal: a negative base to a
constant exponent is fine (torch computes it), and a derivative that does not exist is an error only where a
gradient needs it. Messages name the user's own variables."""

from __future__ import annotations

import math

import pytest

from backprop_tui.check import check_trace
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang import parse_program
from tests.lang.snippet_helpers import run_torch

NEGATIVE_BASE = {
    "a literal": "a = -2\nc = a ** -3\n",
    "a const leaf": "a = -2\nb = const(-3)\nc = a ** b\n",
    "a value computed from constants": "a = -2\nk = const(-1.5)\nb = k*2\nc = a ** b\n",
    "a constant expression": "a = -2\nc = a ** (1 - 4)\n",
}


@pytest.mark.parametrize("kind", list(NEGATIVE_BASE))
def test_negative_base_with_a_constant_exponent(kind):
    trace = check_trace(build_trace(parse_program(NEGATIVE_BASE[kind])))
    assert trace.values["c"] == -0.125
    assert trace.grads["a"] == -0.1875  # b·a^(b-1) = -3·(-2)^-4
    assert trace.ok, [s.formula for s in trace.steps if not s.ok]


def test_the_constant_exponents_local_is_torchs_nan_and_agrees():
    trace = check_trace(build_trace(parse_program(NEGATIVE_BASE["a const leaf"])))
    step = next(s for s in trace.steps if s.phase == "local" and s.wrt == "b")
    assert math.isnan(step.value) and math.isnan(step.torch_value) and step.ok
    assert "b needs no gradient" in step.formula


@pytest.mark.parametrize("exponent", ["torch.tensor(-3.)", "torch.tensor(-3., dtype=torch.float64)"])
def test_the_snippet_form(exponent):
    source = (f"import torch\na = torch.tensor(-2., requires_grad=True)\nb = {exponent}\nc = a ** b\n"
              "g = torch.autograd.grad(c, [a])[0]\nprint(c)\nprint(g)\n")
    trace = check_trace(build_trace(parse_program(source)))
    assert trace.grads["a"] == -0.1875 and trace.ok
    printed, error = run_torch(source)
    assert error is None and printed[1] == "tensor(-0.1875)"


def test_an_exponent_that_needs_a_gradient_is_refused_in_the_users_words():
    with pytest.raises(BadInput) as info:
        build_trace(parse_program("base = -8\npower = 3\nout = base ** power\n"))
    message = info.value.message
    assert "power needs a gradient" in message and "base = -8" in message and "log(base)" in message
    assert "x^y" not in message and "y a variable" not in message  # today's words named a y nobody wrote
    assert (info.value.line, info.value.col) == (3, 12)


@pytest.mark.parametrize(("source", "words"), [
    ("a = -2\nw = 3\nc = (a*w) ** 0.5\n", "(a·w)^0.5 = (-6)^0.5 is not a real number"),
    ("p = 0\nq = log(p)\n", "log(p) with p = 0"),
    ("den = 0\nq = 1/den\n", "the denominator den is 0"),
    ("u = -4\nv = sqrt(u)\n", "sqrt(u) with u = -4"),
    ("u = 0\nv = sqrt(u)\n", "sqrt(u) at u = 0 has an infinite derivative"),
])
def test_messages_name_the_users_operands(source, words):
    with pytest.raises(BadInput) as info:
        build_trace(parse_program(source))
    assert words in info.value.message


@pytest.mark.parametrize("source", [
    "c = const(0)\nx = 2\ny = sqrt(c) + x\n",  # sqrt at 0 of a constant: no gradient needs ∂/∂c
    "c = const(0)\nx = 2\ny = c**0.5*x\n",
    "k = const(0)\nc = k*1\nx = 2\ny = sqrt(c)*x\n",
])
def test_derivatives_that_do_not_exist_are_fine_where_no_gradient_needs_them(source):
    trace = check_trace(build_trace(parse_program(source)))
    assert trace.ok, [(s.formula, s.torch_value) for s in trace.steps if not s.ok]
    assert trace.grads["x"] == trace.figures.grads["x"]
