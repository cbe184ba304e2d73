"""Quiz mode on the chain screen, through the pilot: keyboard alone and the mouse."""

from __future__ import annotations

from textual.widgets import Input, Select
from textual.widgets._select import SelectOverlay

from backprop_tui.engine.rules import RULES
from backprop_tui.quiz import ALL
from backprop_tui.tui.widgets.graph import GraphView
from backprop_tui.tui.widgets.quiz import QuizInput, QuizPanel
from tests.tui.conftest import settle

Y1, Y2, DY2_DY1, GRAD_Y1 = 6, 7, 11, 15  # positions k whose current step is y1, y2, ∂y2/∂y1, grad(y1)


def texts(app) -> tuple[str, str, str]:
    panel = app.query_one(QuizPanel)
    question = str(panel.query_one("#quiz-question").render())
    feedback = str(panel.query_one("#quiz-feedback").render())
    return question, feedback, str(panel.border_subtitle)


async def go(app, pilot, k: int) -> None:
    """Settled, then at position k (a jump: the questions before it are skipped, still asked)."""
    await settle(app, pilot)
    app.go(k)
    await pilot.pause()


async def answer(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)
    await pilot.press("enter")
    await pilot.pause()


async def test_right_answer_ticks_and_moves_on(make_app):
    app = make_app(quiz=ALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app.query_one(QuizPanel).display and isinstance(app.focused, QuizInput)
        for _ in range(Y1):
            await pilot.press("enter")  # nothing to predict on the leaves: enter moves on
        await pilot.pause()
        assert app.k == Y1
        st = app.state
        assert not st.value_known("y1", Y1) and st.value_known("x", Y1)  # hidden in the graph and the table
        assert "predict y1 = ?" in texts(app)[0]
        step_panel = str(app.query_one("#step").render())
        assert "y1 = ?" in step_panel and "1·2 + 1" not in step_panel
        await answer(pilot, "3")
        assert app.k == Y2  # ✓, then the next step
        question, feedback, score = texts(app)
        assert feedback == "✓ right first time: y1 = x·w1 + b1 = 1·2 + 1 = 3"
        assert "predict y2" in question and score == "score 1/1 right first time · 13 to go"
        assert app.state.value_known("y1", Y2) and not app.state.value_known("y2", Y2)


async def test_wrong_answer_hint_then_the_answer_with_its_arithmetic(make_app):
    app = make_app(quiz=ALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(app, pilot, DY2_DY1)
        assert isinstance(app.focused, QuizInput) and not app.state.local_known("y2", "y1", DY2_DY1)
        await answer(pilot, "3")
        question, feedback, _ = texts(app)
        assert feedback.startswith("✗ 3 is not ∂y2/∂y1. Hint: the chain rule inside the statement")
        assert RULES["add"].calculus[0] in feedback and RULES["mul"].calculus[0] in feedback
        assert app.k == DY2_DY1 and not app.state.local_known("y2", "y1", DY2_DY1)  # a second try
        assert app.query_one(QuizInput).value == ""
        await answer(pilot, "1/2")
        question, feedback, score = texts(app)
        assert feedback.endswith("The answer: ∂y2/∂y1 = w2 = 2") and "1/2 = 0.5" in feedback
        assert app.state.local_known("y2", "y1", DY2_DY1) and app.k == DY2_DY1  # shown; the learner reads it
        assert "enter: next step" in question and score.startswith("score 0/1")
        await pilot.press("enter")
        assert app.k == DY2_DY1 + 1


async def test_arithmetic_and_a_bad_prediction(make_app):
    app = make_app(quiz=ALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(app, pilot, GRAD_Y1)
        await answer(pilot, "w2")
        assert texts(app)[1] == "`w2` is a name: type its value, or the number you computed (column 1)"
        assert app.query_one(QuizInput).value == "w2"  # kept, to be fixed; no try counted
        app.query_one(QuizInput).value = ""
        await answer(pilot, "2*1")
        assert texts(app)[1].startswith("✓ right first time: grad(y1) = grad(y2)·∂y2/∂y1 = 1·2 = 2")
        assert app.k == GRAD_Y1 + 1 and texts(app)[2].startswith("score 1/1")


async def test_the_score_counts_first_tries(make_app):
    app = make_app(quiz=ALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(app, pilot, Y1)
        await answer(pilot, "3")  # y1 ✓
        await answer(pilot, "8")  # y2 ✗
        await answer(pilot, "7")  # y2 ✓ on the second try
        await answer(pilot, "2")  # ∂y1/∂x ✓
        assert app.quiz.score().text == "score 2/3 right first time · 11 to go"
        assert texts(app)[2] == "score 2/3 right first time · 11 to go"


async def test_phase_choice_with_the_keyboard(make_app):
    app = make_app(quiz=ALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(app, pilot, Y1)
        assert not app.state.value_known("y1", Y1)
        await pilot.press("tab", "tab")  # the input, Check, the phase choice
        assert isinstance(app.focused, Select)
        await pilot.press("enter", "down", "enter")  # open, the next choice, pick it
        await pilot.pause()
        assert app.quiz.phases == {"local"}
        assert app.state.value_known("y1", Y1)  # forward values are not asked now
        assert not app.state.local_known("y1", "x", Y1 + 2)
        assert "not asked: forward is not among the phases chosen" in texts(app)[0]


async def test_mouse_alone(make_app):
    app = make_app(quiz=ALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(app, pilot, Y1)
        await pilot.click("#graph")
        assert isinstance(app.focused, GraphView)
        await pilot.click(QuizInput)
        assert isinstance(app.focused, QuizInput)
        app.query_one(QuizInput).insert_text_at_cursor("3")
        await pilot.click("#quiz-check")
        await pilot.pause()
        assert app.k == Y2 and texts(app)[1].startswith("✓")
        await pilot.click("#quiz-phases")
        await pilot.pause()
        overlay = app.screen.query_one(SelectOverlay)
        await pilot.click(overlay, offset=(2, 2))  # the third choice: gradients
        await pilot.pause()
        assert app.quiz.phases == {"grad"}


async def test_q_toggles_escape_leaves_and_the_place_is_kept(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press(*["n"] * Y1)
        assert not app.query(QuizPanel) and app.state.value_known("y1", Y1)  # composed when first needed
        await pilot.press("q")  # the quiz starts here: the current step is asked
        assert app.query_one(QuizPanel).display and isinstance(app.focused, Input)
        assert not app.state.value_known("y1", Y1) and app.state.value_known("w1", Y1)
        await answer(pilot, "3")
        assert app.k == Y2
        await pilot.press("escape", "right", "right")  # leave the input, skip y2
        assert isinstance(app.focused, QuizInput) and app.k == Y2 + 1  # the next question takes the keys
        await pilot.press("escape", "left", "left")  # stepping back only looks: the keys stay on the graph
        assert app.k == Y1 and isinstance(app.focused, GraphView)
        assert app.state.value_known("y1", Y1) and not app.state.value_known("y2", Y2)  # answered stays answered
        await pilot.press("end")  # forward onto grad(x), a question: the input takes the keys
        assert isinstance(app.focused, QuizInput) and not app.state.grad_known("x", app.state.n)
        await pilot.press("escape", "home", "q")
        assert not app.query_one(QuizPanel).display and app.state.value_known("y2", app.state.n)
        await pilot.press("q")  # back on: the skipped y2 is still asked, y1 still answered
        assert app.quiz.score().text == "score 1/1 right first time · 13 to go"


async def test_palette_entries(make_app):
    from backprop_tui.tui.commands import ACTIONS

    assert ("quiz", "q") in {(action, key) for _, action, key in ACTIONS}
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        for ch in "quiz mode":
            await pilot.press(ch)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.quiz.on and app.query_one(QuizPanel).display


async def test_a_rebuild_keeps_the_answers(make_app):
    app = make_app(quiz=ALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await go(app, pilot, Y1)
        await answer(pilot, "3")
        app.rebuild()  # the same program again (as after an edit that changes nothing)
        await settle(app, pilot)
        assert app.state.value_known("y1", Y2) and app.quiz.score().asked == 1


async def test_start_over_from_the_palette_action(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await go(app, pilot, Y1)
        await app.run_action("quiz_restart")
        await pilot.pause()
        assert app.k == 0 and app.quiz.on and app.query_one(QuizPanel).display
        assert app.quiz.score().text == "no answers yet · 14 to go"
        assert not app.state.value_known("y1", app.state.n)


async def test_q_closes_the_help_and_types_in_the_editor(make_app):
    from backprop_tui.tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark", "q")
        assert not isinstance(app.screen, HelpScreen) and not app.quiz.on  # the help's own q
        await pilot.press("e", "q")
        assert app.editor.text.startswith("q") and not app.quiz.on


def test_the_command_line(tmp_path, capsys):
    from backprop_tui.cli import main
    from backprop_tui.tui.launch import launch
    from tests.tui.conftest import echo_checker

    assert main(["--quiz-phases", "update", "--screenshot", str(tmp_path / "x.svg")]) == 2
    assert "quiz phases 'update': choose all, or any of forward, local, grad" in capsys.readouterr().err
    out = tmp_path / "quiz.svg"
    keys = ["enter"] * Y1 + ["3", "enter"]
    assert launch(None, keys, str(out), (100, 30), checker=echo_checker, quiz=frozenset({"forward"})) == 0
    svg = out.read_text().replace("&#160;", " ")
    assert "predict" in svg and "score 1/1 right first time" in svg and "forward values" in svg
