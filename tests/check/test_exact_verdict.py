"""The exact referee and the verdict: where engine and torch differ beyond the tight tolerance, the exact
value (mpmath, 50 and 100 digits) and the step's derived rounding bound decide; a wrong rule is still caught."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import replace

import pytest
from mpmath import mpf, workdps

from backprop_tui.check import check_trace
from backprop_tui.check.bounds import rounding_bounds
from backprop_tui.check.exact import digits_kept, exact_figures
from backprop_tui.check.pipeline import EXACT_LIMIT, judge
from backprop_tui.check.torch_referee import torch_figures
from backprop_tui.engine import rules
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang import parse_program
from backprop_tui.numbers import agree
from tests.core_helpers import run, write

FAULT_2 = "w = 10\nh = tanh(w)\ny = 10000000*h\n"
WELL = "x = 0.5\nw = -1.25\ny = tanh(x*w)*3\n"


def step(trace, phase: str, target: str, wrt: str | None = None):
    return next(s for s in trace.steps if (s.phase, s.target, s.wrt) == (phase, target, wrt))


# -- the tolerance and non-finite figures --------------------------------------------------------------
def test_the_tolerance_on_non_finite_figures():
    assert agree(math.inf, math.inf) and agree(-math.inf, -math.inf) and agree(math.nan, math.nan)
    assert not agree(math.inf, -math.inf) and not agree(math.inf, math.nan) and not agree(1.0, math.nan)
    assert not agree(math.inf, 1e308) and agree(1.0, 1.0 + 1e-10) and not agree(1.0, 1.0 + 1e-8)


# -- the exact referee -----------------------------------------------------------------------------------
def test_inputs_are_the_leaves_as_stored():
    exact = exact_figures(parse_program("x = 0.1\ny = x*3\n"))
    with workdps(40):
        assert exact.precise["x"] == mpf(0.1) != mpf("0.1")  # the stored double, not the decimal
        assert exact.precise["y"] == 3 * mpf(0.1)
    as32 = exact_figures(parse_program("import torch\nx = torch.tensor(0.1, requires_grad=True)\ny = x*3\n"),
                         as_float32=True)
    assert as32.precise["x"] == mpf(0.10000000149011612)


def test_exact_to_twenty_digits_and_the_digits_kept():
    exact = exact_figures(parse_program(FAULT_2))
    g = exact.precise[("grad", "w")]
    assert abs(g - mpf("0.08244614455767398")) < mpf(10) ** -16
    assert exact.grads["w"] == 0.08244614455767398
    assert digits_kept(0.08244614455767398, g) >= 16
    assert digits_kept(0.0824461454662, g) == 7
    assert digits_kept(2.0, mpf(2)) == 17


def test_fault_2_is_agreement_with_the_digits_lost():
    trace = check_trace(build_trace(parse_program(FAULT_2)))
    g = step(trace, "backward", "w")
    assert g.value != g.torch_value and not agree(g.value, g.torch_value)  # the tight tolerance fails
    assert g.ok is True and g.verdict == "exact"
    assert g.exact_value == pytest.approx(0.0824461445577, rel=1e-12)
    assert g.digits is not None and g.digits <= 9
    assert "both right to rounding" in g.note and "rounding bound 3.4e-08" in g.note
    assert trace.ok


def test_fault_2_through_the_cli_exits_0_and_shows_the_digits(tmp_path):
    r = run(["trace", write(tmp_path, FAULT_2)])
    assert r.code == 0
    assert "7 digits (exact 0.0824461445577)" in r.out and "both right to rounding" in r.out
    doc = run(["trace", write(tmp_path, FAULT_2), "--format", "json"]).doc
    w = next(n for n in doc["nodes"] if n["name"] == "w")
    assert w["exact_grad"] == pytest.approx(0.0824461445577, rel=1e-12) and w["exact_value"] == 10


def test_the_bound_is_derived_and_stated():
    program = parse_program(FAULT_2)
    trace = build_trace(program)
    b = rounding_bounds(program, "y", trace.values)
    rel = b.grads["w"] / 0.0824461445577
    assert 1e-8 < rel < 1e-7  # 2·|t|·1 ulp(t) + ½ ulp(t²) over 1 − t² = 8.2e-9: about 3.4e-8
    well = parse_program(WELL)
    wb = rounding_bounds(well, "y", build_trace(well).values)
    assert all(e <= 1e-14 * max(1.0, abs(v)) for e, v in zip(wb.grads.values(), build_trace(well).grads.values(),
                                                              strict=True))


# -- a wrong rule is still caught ----------------------------------------------------------------------
@pytest.fixture
def tanh_off_by_1e7(monkeypatch):
    rule = rules.RULES["tanh"]
    wrong = dataclasses.replace(rule, partials=lambda xs, out, i: tuple(d * (1 + 1e-7) for d in
                                                                          rule.partials(xs, out, i)))
    monkeypatch.setitem(rules.RULES, "tanh", wrong)


@pytest.mark.parametrize("source", [WELL, FAULT_2], ids=["well-conditioned", "fault-2"])
def test_a_derivative_off_by_1e7_relative_is_caught(tanh_off_by_1e7, source):
    trace = check_trace(build_trace(parse_program(source)))
    assert not trace.ok
    target = "x" if source == WELL else "w"
    g = step(trace, "backward", target)
    assert g.ok is False and g.verdict == "disagree"
    assert re.search(r"engine is off by 1\.[01]e-07 relative", g.note) and "torch is within it" in g.note


# -- ill-conditioned steps: both sides lose digits ---------------------------------------------------------
ILL = {
    "tanh": ("w = 9.48\nh = tanh(w)\ny = 10000000*h\n", ("backward", "w", None)),
    "sigmoid": ("x = 18\ns = sigmoid(x)\ny = 100000000*s\n", ("local", "s", "x")),
    "cancellation": ("x = 0.1\nbig = 1e8\nc = (x + big) - big\ny = c*3\n", ("forward", "c", None)),
    "exp": ("x = 1e-9\ne = exp(x) - 1\ny = e*2\n", ("forward", "e", None)),
}


@pytest.mark.parametrize("kind", list(ILL))
def test_ill_conditioned_steps_agree_and_show_the_digits_lost(kind):
    source, key = ILL[kind]
    trace = check_trace(build_trace(parse_program(source)))
    s = step(trace, *key)
    assert trace.ok and s.ok is True and s.verdict in ("agree", "exact")
    assert s.digits is not None and s.digits <= 9 and s.exact_value is not None


@pytest.mark.parametrize("kind", list(ILL))
def test_a_torch_figure_within_the_rounding_bound_is_agreement(kind):
    source, key = ILL[kind]
    program = parse_program(source)
    trace = build_trace(program)
    figures = torch_figures(program, trace.output)
    b = rounding_bounds(program, trace.output, trace.values)
    exact = exact_figures(program)
    phase, target, wrt = key
    if phase == "forward":
        x, bound = exact.precise[target], b.values[target]
    elif phase == "local":
        x, bound = exact.precise[(target, wrt)], b.locals[(target, wrt)]
    else:
        x, bound = exact.precise[("grad", target)], b.grads[target]
    shifted = float(x) + 0.9 * bound  # another kernel's rounding: inside the bound, outside 1e-9
    if phase == "forward":
        figures = replace(figures, values={**figures.values, target: shifted})
    elif phase == "local":
        figures = replace(figures, locals={**figures.locals, (target, wrt): shifted})
    else:
        figures = replace(figures, grads={**figures.grads, target: shifted})
    s = step(judge(trace, figures), *key)
    rel = bound / abs(float(x))
    if rel > 1e-6:
        assert s.verdict == "undecided" and s.ok is False and "ill-conditioned: cannot decide" in s.note
    else:
        assert not agree(s.value, shifted) or s.verdict == "agree"
        assert s.ok is True and s.verdict in ("exact", "agree")


def test_ill_conditioned_beyond_1e6_is_never_a_tick(tmp_path):
    source = "x = 36\ns = sigmoid(x)\ny = s*1e16\n"  # 1 − s is 2.3e-16: no digit of s·(1 − s) survives
    program = parse_program(source)
    trace = build_trace(program)
    figures = torch_figures(program, "y")
    figures = replace(figures, grads={**figures.grads, "x": figures.grads["x"] * (1 + 1e-3)})
    s = step(judge(trace, figures), "backward", "x")
    assert s.verdict == "undecided" and s.ok is False and "ill-conditioned: cannot decide" in s.note
    assert "? 1 ill-conditioned step: cannot decide" in __import__("backprop_tui.report.chain_text",
                                                                 fromlist=["summary"]).summary(judge(trace, figures))


# -- large programs: lazily -------------------------------------------------------------------------------
def big_program(n: int) -> str:
    lines = ["x = 0.5"] + [f"v{i} = tanh(v{i - 1}*0.9 + 0.1)" if i else "v0 = x*1" for i in range(n - 1)]
    return "\n".join(lines) + "\n"


def test_beyond_the_limit_exact_values_only_where_a_verdict_needs_them(monkeypatch):
    program = parse_program(big_program(EXACT_LIMIT + 50))
    trace = build_trace(program)
    figures = torch_figures(program, trace.output)
    quiet = judge(trace, figures)
    assert quiet.ok and all(s.exact_value is None for s in quiet.steps)
    skew = replace(figures, values={**figures.values, "v7": figures.values["v7"] * (1 + 1e-6)})
    loud = judge(trace, skew)
    s = step(loud, "forward", "v7")
    assert s.verdict == "disagree" and "torch is off by 1.0e-06 relative" in s.note and s.exact_value is not None
