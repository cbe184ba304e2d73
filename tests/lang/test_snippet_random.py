"""Random snippets against real torch: the same refusals (freeing a graph, unused inputs), the same
printed lines, and the same answers to gradient queries with elementwise functions."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_tui.check.torch_snippet import torch_queries
from backprop_tui.engine.snippet_run import run_snippet
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import parse_program
from tests.lang.snippet_helpers import ours, run_torch


@st.composite
def snippets(draw, graph_focus: bool = False, functions: bool = False):
    """Random snippets; with graph_focus, gradients everywhere and few retain_graph: freeing is exercised;
    with functions, elementwise torch functions too (their prints are not exact, so not compared)."""
    lines = ["import torch"]
    names: list[str] = []
    n_leaves = draw(st.integers(1, 4))
    for i in range(n_leaves):
        value = draw(st.integers(-3, 3))
        rg = True if graph_focus and i < 2 else draw(st.booleans())
        lines.append(f"x{i} = torch.tensor({value}.{', requires_grad=True' if rg else ''})")
        names.append(f"x{i}")
    n_ops = draw(st.integers(1, 6))
    for i in range(n_ops):
        a = names[-1] if graph_focus and draw(st.booleans()) else draw(st.sampled_from(names))
        b = draw(st.sampled_from([*names, "2", "1"]))
        form = draw(st.sampled_from(["{a} + {b}", "{a} - {b}", "{b} - {a}", "{a} * {b}", "-{a}", "{a} ** 2",
                                     "torch.square({a})", "{a} * {b} + {a}", "({a} - {b}) * {b}",
                                     *(["torch.exp({a})", "torch.tanh({a}) * {b}", "{a}.sigmoid() + {b}",
                                        "torch.relu({a} - {b})", "torch.sin({a}) - torch.cos({t})",
                                        "torch.abs({a})"] if functions else [])]))
        lines.append(f"y{i} = " + form.format(a=a, b=b, t=draw(st.sampled_from(names))))
        names.append(f"y{i}")
    n_queries = draw(st.integers(1, 4))
    computed = names[n_leaves:]
    for i in range(n_queries):
        of = draw(st.sampled_from(computed if graph_focus else names))
        wrt = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2))
        opts = ""
        if draw(st.integers(0, 3)) == 0 if graph_focus else draw(st.booleans()):
            opts += ", retain_graph=True"
        if graph_focus or draw(st.booleans()):
            opts += ", allow_unused=True"
        lines.append(f"q{i} = torch.autograd.grad({of}, [{', '.join(wrt)}]{opts})[0]")
        lines.append(f"print(q{i})")
    lines.append(f"print({draw(st.sampled_from(names))})")
    return "\n".join(lines) + "\n"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(snippets(), snippets(graph_focus=True)))
def test_random_snippets_agree_with_torch(source):
    printed, error = run_torch(source)
    try:
        _, trace, run = ours(source)
    except BadInput as err:
        assert error is not None, f"torch accepts what we refused: {err}"
        assert f"RuntimeError: {error}" in err.message
        return
    assert error is None, f"torch refuses ({error}) what we accepted"
    assume(all(abs(v) < 1e6 for v in trace.values.values()))
    assert run.printed == printed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snippets(graph_focus=True, functions=True))
def test_random_snippets_with_functions_refuse_and_answer_as_torch(source):
    _, error = run_torch(source)
    try:
        program = parse_program(source)
    except BadInput as err:
        assert error is not None, f"torch accepts what we refused: {err}"
        assert f"RuntimeError: {error}" in err.message
        return
    assert error is None, f"torch refuses ({error}) what we accepted"
    try:
        run = run_snippet(build_trace(program))
    except BadInput:  # overflow: torch goes on with inf, the engine stops
        assume(False)
    theirs = torch_queries(program)
    for q in run.queries:
        assert (q.value is None) == (theirs[q.label] is None)
        if q.value is not None:
            assert q.value == pytest.approx(theirs[q.label], rel=1e-9, abs=1e-12)
