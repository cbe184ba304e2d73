"""run_snippet: the engine's answers to a snippet's queries, and what torch would print, checked against
real torch (its str() of tensors, its grad_fn class names, which ops' graphs fail a second backward)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.engine.snippet_run import grad_fn_name, run_snippet, scalar_str, tensor_str, to_float32
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import parse_program
from backprop_tui.lang.snippet import TORCH_TWICE
from tests.lang.snippet_helpers import run_torch


# -- printing ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "text"), [
    (2.0, "tensor(2.)"), (0.5, "tensor(0.5000)"), (1e-5, "tensor(1.0000e-05)"), (0.0, "tensor(0.)"),
    (-0.0, "tensor(-0.)"), (1e8, "tensor(100000000.)"), (1.5e8, "tensor(1.5000e+08)"),
    (123456.7, "tensor(123456.7031)"), (1e-4, "tensor(1.0000e-04)"), (-3.0, "tensor(-3.)"),
    (1 / 3, "tensor(0.3333)"), (math.inf, "tensor(inf)"), (-math.inf, "tensor(-inf)"), (math.nan, "tensor(nan)"),
    (1e39, "tensor(inf)"),  # beyond float32
])
def test_known_prints(value, text):
    assert tensor_str(value) == text == str(torch.tensor(value))


def test_suffixes():
    assert tensor_str(2.0, requires_grad=True) == "tensor(2., requires_grad=True)" \
        == str(torch.tensor(2.0, requires_grad=True))
    assert tensor_str(3.0, grad_fn="AddBackward0") == "tensor(3., grad_fn=<AddBackward0>)"
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    assert tensor_str(2.0, "float64", requires_grad=True) == str(x)
    assert tensor_str(4.0, "float64", grad_fn="MulBackward0") == str(x * 2)
    assert tensor_str(0.1, "float64") == str(torch.tensor(0.1, dtype=torch.float64))


finite_or_not = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)


@settings(max_examples=2000, deadline=None)
@given(finite_or_not)
def test_print_matches_torch_float32(v):
    assert tensor_str(v) == str(torch.tensor(v))
    assert tensor_str(v, requires_grad=True) == str(torch.tensor(v, requires_grad=True))


@settings(max_examples=2000, deadline=None)
@given(finite_or_not)
def test_print_matches_torch_float64(v):
    assert tensor_str(v, "float64") == str(torch.tensor(v, dtype=torch.float64))


@settings(max_examples=500, deadline=None)
@given(st.integers(-10**9, 10**9), st.integers(0, 12))
def test_print_matches_torch_for_decimal_looking_values(n, k):
    v = n / 10**k
    assert tensor_str(v) == str(torch.tensor(v))
    assert tensor_str(v, "float64") == str(torch.tensor(v, dtype=torch.float64))


def test_to_float32_is_torchs_rounding():
    for v in (0.1, 1 / 3, 16777217.0, 3.4028235e38, 1e-46, -1e-46):
        assert to_float32(v) == torch.tensor(v).item()
    assert scalar_str(to_float32(-1e-46)) == "-0."


# -- grad_fn names and freed graphs, op by op, against torch -----------------------------------------
FORMS = ["x + y", "x + 1", "1 + x", "x + c", "x - y", "x - 1", "1 - x", "c - x", "x * y", "x * 2", "2 * x",
         "x * c", "x / y", "x / 2", "2 / x", "c / x", "x ** y", "x ** 2", "2 ** x", "c ** x", "x ** c", "-x",
         "torch.exp(x)", "torch.log(x)", "torch.sqrt(x)", "torch.abs(x)", "torch.tanh(x)", "torch.sigmoid(x)",
         "torch.relu(x)", "torch.sin(x)", "torch.cos(x)", "torch.tan(x)", "torch.square(x)", "F.softplus(x)",
         "F.relu(x)", "x.exp()", "(x * y).tanh()", "x.square()", "x * (2 - 0.5)", "-(x * 2)", "x ** -1",
         "x + c * 2", "c * 2 + x"]
HEAD = ("import torch\nimport torch.nn.functional as F\nx = torch.tensor(0.7, requires_grad=True)\n"
        "y = torch.tensor(1.3, requires_grad=True)\nc = torch.tensor(2.5)\n")


@pytest.mark.parametrize("form", FORMS)
def test_grad_fn_names_and_values_print_as_torch(form):
    source = HEAD + f"z = {form}\ng = torch.autograd.grad(z, [x], retain_graph=True)[0]\nprint(z)\nprint(g)\n"
    printed, error = run_torch(source)
    assert error is None
    program = parse_program(source)
    run = run_snippet(build_trace(program))
    assert run.printed == printed
    assert f"grad_fn=<{grad_fn_name(program.get('z').expr)}>" in printed[0]


@pytest.mark.parametrize("form", FORMS)
def test_second_backward_fails_exactly_where_torch_does(form):
    source = HEAD + f"z = {form}\ng = torch.autograd.grad(z, [x])[0]\nh = torch.autograd.grad(z, [x])[0]\n"
    _, error = run_torch(source)
    if error is None:
        parse_program(source)
    else:
        assert error == TORCH_TWICE
        with pytest.raises(BadInput) as info:
            parse_program(source)
        assert TORCH_TWICE in info.value.message
        assert (info.value.line, info.value.col) == (8, 5)


# -- answers --------------------------------------------------------------------------------------------
def test_one_answer_per_query_and_none_for_unused():
    source = ("import torch\nx = torch.tensor(2., requires_grad=True)\nu = torch.tensor(1., requires_grad=True)\n"
              "y = x*x*3\ng = torch.autograd.grad(y, [x], retain_graph=True)[0]\n"
              "n = torch.autograd.grad(y, [u], allow_unused=True, retain_graph=True)[0]\n"
              "s = torch.autograd.grad(y, [y])[0]\nprint(n)\nprint(g)\nprint(s)\nprint(u)\nprint(y)\n")
    run = run_snippet(build_trace(parse_program(source)))
    assert [(a.label, a.value, a.line) for a in run.queries] == [("g", 12.0, 5), ("n", None, 6), ("s", 1.0, 7)]
    printed, error = run_torch(source)
    assert error is None
    assert run.printed == printed == ["None", "tensor(12.)", "tensor(1.)", "tensor(1., requires_grad=True)",
                                      "tensor(12., grad_fn=<MulBackward0>)"]


def test_gradient_prints_in_the_inputs_dtype():
    source = ("import torch\nx = torch.tensor(0.1, requires_grad=True, dtype=torch.float64)\n"
              "w = torch.tensor(3., requires_grad=True)\ny = x*w\n"
              "gx = torch.autograd.grad(y, [x], retain_graph=True)[0]\ngw = torch.autograd.grad(y, [w])[0]\n"
              "print(gx)\nprint(gw)\nprint(y)\n")
    printed, error = run_torch(source)
    assert error is None
    assert run_snippet(build_trace(parse_program(source))).printed == printed


def test_computed_from_constants_prints_without_grad_fn():
    source = ("import torch\nx = torch.tensor(2.)\nw = torch.tensor(3., requires_grad=True)\ny = x*2\nz = y*w\n"
              "print(y)\nprint(x)\nprint(z)\n")
    printed, _ = run_torch(source)
    assert run_snippet(build_trace(parse_program(source))).printed == printed == [
        "tensor(4.)", "tensor(2.)", "tensor(12., grad_fn=<MulBackward0>)"]


@pytest.mark.parametrize("form", FORMS)
def test_atomized_programs_print_the_same(form):
    from backprop_tui.engine.atomize import atomize

    source = HEAD + f"z = {form} * (2 - 0.5)\nw = (2 * 3) - z\ng = torch.autograd.grad(w, [x])[0]\n" \
                    "print(z)\nprint(w)\nprint(g)\n"
    program = parse_program(source)
    plain = run_snippet(build_trace(program))
    atomic = run_snippet(build_trace(atomize(program)))
    assert atomic.printed == plain.printed == run_torch(source)[0]
