"""An ill-conditioned step that the exact referee cannot decide shows as ? in the warning colour, in the
circuit and in the variables table: never ✓, never the red ✗ of a disagreement. And the gate level is
checked by torch through the one referee client (tui.checker, atomic=)."""

from __future__ import annotations

from dataclasses import replace

from backprop_tui.check.pipeline import judge
from backprop_tui.engine.trace import Trace
from backprop_tui.tui.presets import BY_KEY
from backprop_tui.tui.widgets.table import VariableTable
from tests.tui.conftest import own_figures, settle

# 1 − s is 2.3e-16 at x = 36: no digit of s·(1 − s) survives rounding (tests/check/test_exact_verdict.py);
# grad(w) is the last step, so at the end grad(x) is drawn in its own colours, not the current step's
ILL = "w = 2\nx = 36\ns = sigmoid(x)\ny = s*1e16*w\n"


def undecided_checker(trace: Trace) -> Trace:
    """torch's figures, grad(x) moved by 1e-3 relative: within what rounding can do to this step."""
    fig = own_figures(trace)
    return judge(trace, replace(fig, grads={**fig.grads, "x": fig.grads["x"] * (1 + 1e-3)}))


def wrong_checker(trace: Trace) -> Trace:
    fig = own_figures(trace)
    return judge(trace, replace(fig, values={**fig.values, "x": 37.0}))  # a well-conditioned value, wrong


def table_row(app, name: str) -> list:
    table = app.query_one(VariableTable)
    row = app.state.trace.names.index(name) + 1 - table.scroll_offset.y
    return list(table.render_line(row))


def grad_span(app, name: str):
    return next(s for row in app.graph.canvas.rows for s in row if s.kind == "grad" and s.ref == name)


async def test_an_undecided_step_is_an_amber_question_mark_in_the_graph_and_the_table(make_app):
    app = make_app(ILL, checker=undecided_checker)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        await settle(app, pilot)
        step = app.state.grad_step["x"]
        assert step.verdict == "undecided" and step.ok is False
        warning = app.get_css_variables()["warning"]
        error = app.get_css_variables()["error"]
        # the table: ? in the warning colour where the mark goes
        marks = [seg for seg in table_row(app, "x") if seg.text.strip() in ("✓", "✗", "?")]
        assert [m.text.strip() for m in marks] == ["?"]
        assert marks[0].style.color.name.lower() == warning.lower() != error.lower()
        assert app.state.verdict("s", app.state.n + 1) == "agree"
        # the graph: grad(x) drawn with a ? after it, amber, not red; the row keeps its length
        span = grad_span(app, "x")
        text, style = app.graph._look(span)
        assert text == f"{span.text}?" and style.reverse
        assert style.color.name.lower() == warning.lower()
        status = str(app.query_one("#status").render())
        assert "cannot decide" in status and "✗" not in status


async def test_a_disagreement_stays_a_red_cross(make_app):
    app = make_app(ILL, checker=wrong_checker)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        await settle(app, pilot)
        assert app.state.verdict("x", app.state.n + 1) == "disagree"
        marks = [seg.text.strip() for seg in table_row(app, "x") if seg.text.strip() in ("✓", "✗", "?")]
        assert marks == ["✗"]


async def test_gate_level_is_checked_by_torch_through_the_one_referee(make_app):
    app = make_app(BY_KEY["cs231n-sigmoid"].text, checker=None)  # tui.checker on the (in-process) referee
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot, timeout=60)
        await pilot.press("g")
        await settle(app, pilot, timeout=60)
        trace = app.state.trace
        assert app.level == "gate" and trace.checked and trace.ok, app.torch_error
        gate = next(n for n in trace.names if "." in n)  # a gate's own node, as engine.atomize names it
        assert app.state.grad_step[gate].torch_value is not None
