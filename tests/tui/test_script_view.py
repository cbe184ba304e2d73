"""A PyTorch script on the chain screen: the circuit and the table show one iteration's frame, the step
panel names the backward pass and the iteration and lists what was printed so far, `j` jumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_tui.check.figures import check_trace
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang.load import parse_program
from backprop_tui.tui.script_view import build_frame, frame_key, jump_target
from backprop_tui.tui.widgets.table import VariableTable
from tests.tui.conftest import settle

SNIPPETS = Path(__file__).resolve().parent.parent / "snippets"
SGD = (SNIPPETS / "sgd_loop.py").read_text()
TWICE = (SNIPPETS / "backward_twice.py").read_text()


@pytest.fixture(scope="module")
def sgd():
    return check_trace(build_trace(parse_program(SGD)))


def first(trace, **where) -> int:
    """k of the first step with these fields."""
    return next(s.index + 1 for s in trace.steps if all(getattr(s, f) == v for f, v in where.items()))


def test_each_step_belongs_to_one_iterations_frame(sgd):
    assert frame_key(sgd, 0) == (0, None)  # the start: the first iteration, before its pass
    assert frame_key(sgd, 3) == (0, None)  # the leaves, made before the loop
    k = first(sgd, iteration=2, backward_pass=3)
    assert frame_key(sgd, k - 1) == (2, None) and frame_key(sgd, k) == (2, 3)
    assert frame_key(sgd, len(sgd.steps)) == (4, 5)  # after the loop: the last iteration


def test_a_frame_is_one_iterations_graph_with_its_values(sgd):
    frame = build_frame(sgd, (2, 3))
    assert frame.trace.names == ["x", "t", "w", "b", "pred@2", "loss@2"]
    run = sgd.run
    assert frame.trace.values["w"] == run.read_values["pred@2"]["w"] != run.values["w"]  # w as iteration 2 read it
    grad_w = next(s for s in sgd.steps if s.backward_pass == 3 and s.target == "w")
    assert frame.trace.grads["w"] == grad_w.value  # the .grad after this pass
    assert frame.state.grad_at["w"] == grad_w.index + 1
    assert frame.state.value_at["pred@2"] == first(sgd, target="pred@2")
    assert frame.trace.grads["x"] is None  # a constant: no gradient slot


@pytest.mark.parametrize(("typed", "where"), [
    ("3", {"iteration": 3}), ("i3", {"iteration": 3}), ("@3", {"iteration": 3}), ("iteration 0", {"iteration": 0}),
    ("p2", {"backward_pass": 2}), ("pass 5", {"backward_pass": 5}),
])
def test_jump_targets(sgd, typed, where):
    k, _ = jump_target(sgd, typed)
    assert k == first(sgd, **where)


@pytest.mark.parametrize(("typed", "words"), [("7", "no iteration 7 (iterations: 0 to 4)"),
                                              ("p9", "no backward pass 9"), ("soon", "type a number")])
def test_jump_refusals_say_why(sgd, typed, words):
    assert words in jump_target(sgd, typed)


def test_without_a_loop_a_number_is_a_backward_pass():
    trace = build_trace(parse_program(TWICE))
    k, what = jump_target(trace, "2")
    assert what == "backward pass 2" and trace.steps[k - 1].backward_pass == 2


async def test_the_app_steps_through_iterations_and_jumps(make_app) -> None:
    app = make_app(SGD, checker=check_trace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await pilot.pause()
        await pilot.press("3", "enter")
        await pilot.pause()
        assert app.k == first(app.state.trace, iteration=3)
        assert "pred@3" in app.graph.structure.model.by_name and "pred@2" not in app.graph.structure.model.by_name
        assert app.query_one(VariableTable).state.trace.names[-2:] == ["pred@3", "loss@3"]
        for _ in range(10):  # pred@3, loss@3, 5 local derivatives, then grad(loss@3), grad(pred@3), b, w
            await pilot.press("n")
        text = str(app.query_one("#step").render())
        assert "backward pass 4 (iteration 3)" in text and "w.grad = 0 (before)" in text
        assert "printed (torch's own output) by now" in text and "3 0.4372195601463318" in text
        assert "✓ torch agrees on all" in str(app.query_one("#status").render())


async def test_the_forum_case_in_the_app(make_app) -> None:
    app = make_app(TWICE, checker=check_trace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        text = str(app.query_one("#step").render())
        assert "x.grad = 4.5 (before) + 4.5 (this pass) = 9" in text
        assert "tensor(4.5000)" in text and "tensor(9.)" in text
        table = app.query_one(VariableTable)
        assert table.state.grad_step["x"].value == 9.0 and table.state.grad_step["x"].backward_pass == 2


async def test_j_on_a_chain_says_what_it_is_for(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await pilot.pause()
        assert len(app.screen_stack) == 1  # no dialog: a notice instead
        assert any("backward pass" in n.message for n in app._notifications)


async def test_f_and_b_step_through_one_iteration_at_a_time(make_app) -> None:
    app = make_app(SGD, checker=check_trace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        trace = app.state.trace
        await pilot.press("f")  # the leaves, then iteration 0's forward steps: they run on without a break
        assert trace.steps[app.k - 1].target == "loss@0" and trace.steps[app.k].phase == "local"
        await pilot.press("b")  # to the end of backward pass 1
        assert trace.steps[app.k - 1].backward_pass == 1 and trace.steps[app.k].backward_pass is None
        await pilot.press("f")  # iteration 1's forward steps
        assert trace.steps[app.k - 1].target == "loss@1"
        await pilot.press("b", "b")  # the end of pass 2, then of pass 3
        assert trace.steps[app.k - 1].backward_pass == 3


async def test_a_long_loop_builds_off_the_ui_thread(make_app, monkeypatch) -> None:
    """A few lines can unroll thousands of iterations: the build runs in a thread, the app answers meanwhile
    (the thread is held until the app has answered a key, so the test does not race the build)."""
    import threading

    from backprop_tui.tui import building

    text = SGD.replace("range(5)", "range(400)")
    assert len(text) < building.PROGRAM_CHARS and building.builds_in_background(text)  # short, yet a loop
    release, built = threading.Event(), building.build_parts

    def held(*args):
        assert release.wait(30)
        return built(*args)

    monkeypatch.setattr(building, "build_parts", held)
    app = make_app(text)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.building and "unrolling its loops" in str(app.error_line.render())
        assert "building the program" in app.graph.placeholder  # not "no program yet"
        await pilot.press("question_mark")  # a key is answered while it builds
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        release.set()
        await settle(app, pilot, timeout=60)
        assert not app.building and app.state is not None
        assert max(s.iteration or 0 for s in app.state.trace.steps) == 399
