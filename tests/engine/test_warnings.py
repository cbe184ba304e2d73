"""Chain warnings (engine.warnings): a saturated tanh and a relu at or below 0, with their figures."""

from __future__ import annotations

import math

import pytest

from backprop_tui.engine.atomize import atomize
from backprop_tui.engine.trace import build_trace
from backprop_tui.engine.warnings import SATURATION_FRACTION, chain_warnings
from backprop_tui.lang import parse_program
from backprop_tui.tui.presets import SEED_CHAIN

SATURATED_TANH = "x = 1.5\nw = 2\nz = tanh(x*w)\n"


def warnings_of(text: str, atomic: bool = False):
    program = parse_program(text)
    return chain_warnings(build_trace(atomize(program) if atomic else program))


def test_a_saturated_tanh_names_its_slope_the_threshold_and_what_to_try():
    (w,) = warnings_of(SATURATED_TANH)
    assert w.kind == "saturation" and w.where == "tanh in z (line 3)"
    assert w.figures["input"] == 3.0
    assert w.figures["output"] == pytest.approx(math.tanh(3.0), rel=1e-15)
    assert w.figures["derivative"] == pytest.approx(1 - math.tanh(3.0) ** 2, rel=1e-12)  # 0.00986604
    assert round(w.figures["derivative"], 6) == 0.009866
    assert w.figures["threshold"] == SATURATION_FRACTION * 1.0 == 0.1
    assert w.steps == (2, 3, 4)  # the forward step of z and its two locals, ∂z/∂x and ∂z/∂w
    assert "0.00986604" in w.why and "x, w barely learn" in w.why
    assert w.advice.startswith("Try ") and "nearer 0" in w.advice
    assert w.message == f"{w.why} {w.advice}"


def test_a_tanh_near_zero_and_a_sigmoid_on_its_slope_are_not_saturated():
    assert warnings_of("x = 0.5\nw = 2\nz = tanh(x*w)\n") == ()  # tanh'(1) = 0.42
    assert warnings_of("x = 1\nw = 3\nz = sigmoid(x*w)\n") == ()  # σ'(3) = 0.045 ≥ 0.025
    (w,) = warnings_of("x = 1\nw = 4\nz = sigmoid(x*w)\n")  # σ'(4) = 0.0177 < 0.025
    s = 1 / (1 + math.exp(-4))
    assert w.figures["derivative"] == pytest.approx(s * (1 - s), rel=1e-12)
    assert w.figures["threshold"] == 0.025


def test_a_relu_at_or_below_zero_blocks_its_path():
    (w,) = warnings_of("x = 1\nw = -2\nb = 0.5\nh = relu(x*w + b)\ny = h*x\n")
    assert w.kind == "dead_relu" and w.where == "relu in h (line 4)"
    assert w.figures == {"input": -1.5, "output": 0.0, "derivative": 0.0}
    assert "x, w, b" in w.why and "positive bias" in w.advice
    (w,) = warnings_of("x = 1\nw = -1\nh = relu(x + w)\n")  # exactly 0: torch's relu'(0) = 0
    assert w.figures["input"] == 0.0


def test_no_warning_off_the_path_of_a_gradient():
    assert warnings_of(SEED_CHAIN) == ()
    assert warnings_of("c = const(5)\nx = 1\ny = tanh(c)*x\n") == ()  # tanh of a constant: no gradient through it
    assert warnings_of("x = 1\ny = x*2\nz = tanh(x*9)\n", ) != ()  # z is the output
    program = parse_program("x = 1\ny = x*2\nz = tanh(x*9)\n", "y")
    assert chain_warnings(build_trace(program)) == ()  # z comes after the output y


def test_gate_level_names_the_leaves_behind_an_intermediate():
    (w,) = warnings_of(SATURATED_TANH, atomic=True)
    assert w.where == "tanh in z (line 3)" and "x, w barely learn" in w.why
    assert w.figures["input"] == 3.0


def test_nested_calls_are_each_checked():
    found = warnings_of("x = 1\nw = 5\ny = sigmoid(tanh(x*w)*w) + relu(-x)\n")
    assert [w.kind for w in found] == ["saturation", "saturation", "dead_relu"]
    assert [w.figures["input"] for w in found] == [5.0, pytest.approx(math.tanh(5.0) * 5), -1.0]


def test_a_long_saturated_chain_lists_a_hundred_then_counts_the_rest():
    lines = ["x = 0.5", "w = 3", "y0 = x*w"] + [f"y{i} = tanh(y{i - 1}*w)" for i in range(1, 151)]
    found = warnings_of("\n".join(lines) + "\n")
    assert len(found) == 101 and all(w.kind == "saturation" for w in found)
    assert found[0].where == "tanh in y1 (line 4)" and found[99].where == "tanh in y100 (line 103)"
    assert found[-1].figures == {"more": 50} and found[-1].where == "50 more places"
