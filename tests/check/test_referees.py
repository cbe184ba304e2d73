"""The referees: torch autograd in float64 (values, one backward pass for the gradients, locals on
detached inputs), central finite differences (advisory), and the verdict they put on every step."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from backprop_tui.check import apply_check, check_trace, fd_figures
from backprop_tui.check.figures import Figures, figures_from_json, figures_to_json, grad_agrees
from backprop_tui.check.finite_diff import FD_GRAD_LIMIT
from backprop_tui.check.kinds import Session, answer
from backprop_tui.check.torch_referee import torch_figures
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang import parse_program

SEED = "x = 1\nw1 = 2\nb1 = 1\nw2 = 2\nb2 = 1\ny1 = x*w1 + b1\ny2 = y1*w2 + b2\n"


def own_figures(trace) -> Figures:
    """Figures that say exactly what the engine says."""
    locs = {(loc.of, loc.wrt): loc.value for loc in trace.locals}
    return Figures(dict(trace.values), dict(trace.grads), locs)


# -- torch ------------------------------------------------------------------------------------------
def test_torch_figures_of_the_seed_chain():
    program = parse_program(SEED)
    fig = torch_figures(program, "y2")
    assert fig.values == {"x": 1, "w1": 2, "b1": 1, "w2": 2, "b2": 1, "y1": 3, "y2": 7}
    assert fig.grads == {"x": 4, "w1": 2, "b1": 2, "w2": 3, "b2": 1, "y1": 2, "y2": 1}
    assert fig.locals[("y2", "y1")] == 2  # on detached inputs: the partial
    assert fig.locals[("y1", "w1")] == 1
    assert set(fig.locals) == {("y1", "x"), ("y1", "w1"), ("y1", "b1"), ("y2", "y1"), ("y2", "w2"), ("y2", "b2")}
    assert torch_figures(program, "y1").grads["w1"] == 1


def test_torch_locals_are_partials_not_totals():
    fig = torch_figures(parse_program("x = 1.5\ny1 = x*2\nz = 2*y1\ny2 = y1 + z\n"), "y2")
    assert fig.locals[("y2", "y1")] == 1
    assert fig.grads["y1"] == 3


def test_torch_gives_constants_no_gradient():
    fig = torch_figures(parse_program("c = const(2)\nx = 3\nk = c*c\ny = c*x + k\n"), "y")
    assert fig.grads["c"] is None and fig.grads["k"] is None
    assert fig.grads["x"] == 2
    fig = torch_figures(parse_program("c = const(2)\ny = c*3\n"), "y")
    assert fig.grads == {"c": None, "y": None}


def test_torch_locals_of_statements_of_the_same_shape():
    # grouped into one vectorised evaluation: each member must still get its own partials
    lines = ["h0 = 0.3", "w = -0.7", "b = 0.1"] + [f"h{i} = tanh(h{i - 1}*w + b)" for i in range(1, 30)]
    program = parse_program("\n".join(lines))
    fig = torch_figures(program, program.output)
    trace = build_trace(program)
    checked = apply_check(trace, fig)
    assert checked.ok, [s.formula for s in checked.steps if not s.ok]
    assert len({fig.locals[(f"h{i}", "w")] for i in range(1, 30)}) > 20  # different values per member


def test_check_trace_fills_every_step():
    trace = check_trace(build_trace(parse_program(SEED)))
    assert trace.checked and trace.ok
    for s in trace.steps:
        assert s.ok is True
        if s.phase != "forward":
            assert s.torch_value == s.value


# -- finite differences (advisory) ------------------------------------------------------------------
def test_finite_differences_are_close_to_the_engine():
    trace = build_trace(parse_program("x = 0.4\nw = -1.3\ny = tanh(x*w)*exp(w) + sqrt(x)\nz = y**2\n"))
    grads, locs = fd_figures(trace)
    for name, g in trace.grads.items():
        assert grads[name] == pytest.approx(g, rel=1e-5, abs=1e-7)
    for loc in trace.locals:
        assert locs[(loc.of, loc.wrt)] == pytest.approx(loc.value, rel=1e-5, abs=1e-7)


def test_finite_differences_skip_what_they_cannot_do():
    trace = build_trace(parse_program("x = 1e-300\ny = sqrt(x)\n"))  # x ± h leaves the domain
    grads, locs = fd_figures(trace)
    assert locs[("y", "x")] is None and grads["x"] is None
    assert check_trace(trace).ok  # advisory: the verdict follows torch alone
    lines = ["x0 = 0.5"] + [f"x{i} = x{i - 1}*1.001" for i in range(1, FD_GRAD_LIMIT + 5)]
    trace = build_trace(parse_program("\n".join(lines)))
    grads, _ = fd_figures(trace)
    assert set(grads.values()) == {None}


def test_finite_differences_of_constants_are_none():
    trace = build_trace(parse_program("c = const(2)\nx = 3\ny = c*x\n"))
    grads, _ = fd_figures(trace)
    assert grads["c"] is None and grads["x"] == pytest.approx(2)


# -- the verdict --------------------------------------------------------------------------------------
def test_a_disagreement_is_shown_on_its_step():
    trace = build_trace(parse_program(SEED))
    fig = own_figures(trace)
    assert apply_check(trace, fig).ok
    wrong = replace(fig, locals={**fig.locals, ("y2", "y1"): 2.5})
    checked = apply_check(trace, wrong)
    assert not checked.ok
    bad = [s for s in checked.steps if not s.ok]
    assert [(s.phase, s.target, s.wrt, s.value, s.torch_value) for s in bad] == [("local", "y2", "y1", 2, 2.5)]


def test_disagreement_on_a_value_and_a_gradient():
    trace = build_trace(parse_program(SEED))
    fig = own_figures(trace)
    checked = apply_check(trace, replace(fig, values={**fig.values, "y1": 3.0001},
                                         grads={**fig.grads, "w1": 2 + 1e-6}))
    bad = {(s.phase, s.target) for s in checked.steps if not s.ok}
    assert bad == {("forward", "y1"), ("backward", "w1")}
    assert not checked.ok


def test_the_tolerance_is_the_projects():
    trace = build_trace(parse_program("x = 1000\ny = x*3\n"))
    fig = own_figures(trace)
    near = apply_check(trace, replace(fig, values={**fig.values, "y": 3000 * (1 + 0.9e-9)}))
    far = apply_check(trace, replace(fig, values={**fig.values, "y": 3000 * (1 + 1.1e-9)}))
    assert near.ok and not far.ok


def test_gradient_verdicts_for_constants_and_unused_inputs():
    assert grad_agrees(None, None, requires_grad=False)
    assert not grad_agrees(0.0, None, requires_grad=False)
    assert not grad_agrees(None, 0.0, requires_grad=False)
    assert grad_agrees(0.0, None, requires_grad=True)  # torch: None for an unused input
    assert not grad_agrees(1.0, None, requires_grad=True)


def test_an_unchecked_trace_is_not_ok():
    trace = build_trace(parse_program(SEED))
    assert not trace.checked and not trace.ok
    assert all(s.ok is None and s.torch_value is None for s in trace.steps)


# -- the referee in a child process -----------------------------------------------------------------
def test_figures_round_trip_through_json():
    program = parse_program("c = const(2)\nx = 3\ny = c*x\n")
    fig = torch_figures(program, "y")
    back = figures_from_json(json.loads(json.dumps(figures_to_json(fig))))
    assert back.values == fig.values and back.grads == fig.grads and back.locals == fig.locals


def test_the_chain_kind_answers_bad_input_with_an_error():
    reply = answer({"id": 7, "kind": "chain", "text": "x = 1\ny = x +\n", "output": None}, Session())
    assert reply["id"] == 7 and reply["ok"] is False
    assert "line 2, column 8" in reply["error"]


def test_the_chain_kind_answers_atomic_programs_and_snippet_queries(acceptance):
    reply = answer({"id": 1, "kind": "chain", "text": "x = 2\ny = (x + 1)*x\n", "atomic": True}, Session())
    fig = figures_from_json(reply["figures"])
    assert fig.values["y.1"] == 3.0 and fig.grads["x"] == 5.0 and fig.fd_grads == {}
    snippet = (acceptance / "seed_snippet.py").read_text()
    fig = figures_from_json(answer({"id": 2, "kind": "chain", "text": snippet}, Session())["figures"])
    assert fig.queries == {"dy2_dy1": 2.0, "dy1_dw1": 1.0, "dy2_dw1": 2.0}


def test_an_unknown_kind_is_named():
    reply = answer({"id": 3, "kind": "nope"}, Session())
    assert reply["ok"] is False and "unknown request kind 'nope'" in reply["error"] and "chain" in reply["error"]
