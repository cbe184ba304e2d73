"""Quiz mode on the network screen, through the pilot, on Mazur's 2-2-2 ("A Step by Step Backpropagation
Example", 2015): a(h1) = 0.593269992, ∂L/∂w(h1→o1) = ∂E/∂w5 = 0.082167041, δ(o1) = 0.138498562.

Positions k on this network: 1 z1, 2 a1, 3 z2, 4 a2, 5 the loss, 6 ∂L/∂a2, 7 f'(z2), 8 δ2, 9 ∂L/∂W2,
10 ∂L/∂b2 (frozen), 11 ∂L/∂a1, 12 f'(z1), 13 δ1, 14 ∂L/∂W1, 15 ∂L/∂b1 (frozen), 16-19 the update."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Select

from backprop_tui.numbers import short
from backprop_tui.quiz import ALL
from backprop_tui.tui.widgets.net_diagram import v4
from backprop_tui.tui.widgets.quiz import QuizInput, QuizPanel
from tests.network.test_screen import EXAMPLES, diagram_text, host

A1, A2, LOSS, DELTA2, GRAD_W2 = 2, 4, 5, 8, 9


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """Every character on screen, as a terminal shows it (what a screenshot holds)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def panel(app) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    p = app.screen.query_one(QuizPanel)
    return str(p.query_one("#quiz-question").render()), str(p.query_one("#quiz-feedback").render()), \
        str(p.border_subtitle)


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*text)
    await pilot.press("enter")
    await pilot.pause()


async def at(app, pilot, k: int) -> None:  # type: ignore[no-untyped-def]
    """A jump to position k: the questions before it are skipped (still asked)."""
    app.screen.go(k)
    await pilot.pause()


async def test_a_right_answer_ticks_reveals_and_moves_on() -> None:
    app = host("classic-2-2-2", quiz=ALL)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        assert screen.query_one(QuizPanel).display and isinstance(app.focused, QuizInput)
        await pilot.press("enter")  # the start: nothing to predict, enter takes the first step
        await answer(pilot, "0.3775")  # z(h1)
        await answer(pilot, "0.3925")  # z(h2), then the step is done: on to a1
        assert screen.k == A1 and "predict a(h1) = ?" in panel(app)[0]
        assert "a ?" in diagram_text(app) and "0.5933" not in diagram_text(app)
        await answer(pilot, "0.593269992")
        question, feedback, score = panel(app)
        assert feedback == "✓ right first time: a(h1) = sigmoid(0.3775) = 0.59327"
        assert "predict a(h2) = ?" in question and score == "score 3/3 right first time · 20 to go"
        assert "a 0.5933" in diagram_text(app)  # h1's activation, in the diagram now
        assert screen.cursor == (1, 1)  # the cursor came to h2, the neuron asked about: its panel says what waits
        detail = str(screen.query_one("#net-detail-text").render())
        assert "z = Σ w·a + b = 0.25·0.05 + 0.3·0.1 + 0.35 = 0.3925" in detail
        assert "a = sigmoid(z) = ?  (the quiz asks it: predict it below)" in detail


async def test_the_weight_gradient_w5_on_its_edge() -> None:
    app = host("classic-2-2-2", quiz=frozenset({"grad"}))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        await at(app, pilot, GRAD_W2)
        assert "predict ∂L/∂w(h1→o1) = ?" in panel(app)[0]
        text = diagram_text(app)
        assert "0.4 ∂L/∂w ?" in text and "0.08217" not in text  # w5 asked, its edge waits
        assert "0.45 ∂L/∂w 0.08267" in text  # the other weights of the layer are not asked
        await answer(pilot, "0.082167041")
        # δ(o1) was jumped over: still asked, so its number stays hidden in the worked answer too
        assert panel(app)[1] == "✓ right first time: ∂L/∂w(h1→o1) = δ(o1)·a(h1) = ?·0.59327 = 0.082167"
        assert screen.k == GRAD_W2 + 1
        assert "0.4 ∂L/∂w 0.08217" in diagram_text(app)


async def test_a_wrong_answer_gets_the_rule_then_the_answer_with_its_arithmetic() -> None:
    app = host("classic-2-2-2")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        await at(app, pilot, DELTA2)
        await pilot.press("q")  # the quiz from here: the steps before count as shown
        await answer(pilot, "0.5")
        feedback = panel(app)[1]
        assert feedback == ("✗ 0.5 is not δ(o1). Hint: z(o1) has one consumer, a(o1): δ(o1) = "
                            "∂L/∂a(o1)·∂a(o1)/∂z(o1). Try again.")
        assert screen.k == DELTA2 and "δ ?" in diagram_text(app)  # a second try; still hidden
        await answer(pilot, "-0.1385")  # the size is right, the sign is not
        feedback = panel(app)[1]
        assert "check the sign" in feedback
        assert feedback.endswith("The answer: δ(o1) = ∂L/∂a(o1)·∂a(o1)/∂z(o1) = 0.741365·0.186816 = 0.138499")
        assert "δ 0.1385" in diagram_text(app)  # shown now


async def test_arithmetic_is_read_and_a_name_is_refused_without_a_try() -> None:
    app = host("classic-2-2-2", quiz=ALL)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await at(app, pilot, DELTA2)
        await answer(pilot, "a")
        assert panel(app)[1].startswith("`a` is a name: type its value")
        app.screen.query_one(QuizInput).value = ""
        await answer(pilot, "0.741365*0.186816")
        assert panel(app)[1].startswith("✓ right first time: δ(o1)")
        await answer(pilot, "(0.772928 - 0.99)*0.17551")  # δ(o2) = ∂L/∂a(o2)·f'(z(o2))
        assert panel(app)[1].startswith("✓ right first time: δ(o2)")
        assert panel(app)[2].startswith("score 2/2 right first time")


async def test_the_score_counts_right_first_time() -> None:
    app = host("classic-2-2-2", quiz=ALL)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        await at(app, pilot, LOSS)
        await answer(pilot, "0.2984")  # L ✓
        await answer(pilot, "0.74")  # ∂L/∂a(o1) ✓ (two digits, rounded)
        await answer(pilot, "0.2")  # ∂L/∂a(o2) ✗ (its sign is wrong, and so is its size)
        await answer(pilot, "-0.217")  # ✓ second try
        assert screen.quiz.score().text == "score 2/3 right first time · 20 to go"
        assert panel(app)[2] == "score 2/3 right first time · 20 to go"
        assert "score 2/3" in screen_text(app)


async def test_the_phase_choice_with_the_keyboard() -> None:
    app = host("classic-2-2-2", quiz=ALL)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        await at(app, pilot, A1)
        assert "a ?" in diagram_text(app)
        await pilot.press("tab", "tab")  # the input, Check, the phase choice
        assert isinstance(app.focused, Select)
        await pilot.press("enter", "down", "down", "enter")  # all, local, gradients: pick it
        await pilot.pause()
        assert screen.quiz.phases == {"grad"}
        assert "a 0.5933" in diagram_text(app)  # forward values are not asked now
        assert "not asked: forward is not among the phases chosen" in panel(app)[0]
        await at(app, pilot, 7)  # f'(z2), a local derivative: shown
        assert "f' 0.1868" in diagram_text(app)
        await at(app, pilot, 6)
        assert "predict ∂L/∂a(o1) = ?" in panel(app)[0]


async def test_q_keys_typed_in_the_input_and_escape_gives_them_back() -> None:
    app = host("classic-2-2-2")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        assert not screen.query_one(QuizPanel).display
        await pilot.press("n")
        await pilot.press("q")  # on, from the current step: z1 is asked
        assert screen.quiz.on and isinstance(app.focused, QuizInput) and screen.k == 1
        await pilot.press("n", "p", "b", "f", "u", "t", "m", "c", "r", "q", "left", "right", "home", "end",
                          "space", "question_mark", "left_square_bracket")
        assert app.focused.value == "npbfutmcrq ?["  # every key typed; nothing stepped, trained or opened
        assert screen.k == 1 and not screen.training and not app.chains and not screen.has_class("-matrix")
        app.focused.value = ""
        await pilot.press("escape", "right")  # leave the input, skip z1: it stays asked
        assert screen.k == 2 and isinstance(app.focused, QuizInput)  # the next question takes the keys
        await pilot.press("escape", "left", "q")
        assert not screen.quiz.on and not screen.query_one(QuizPanel).display and screen.k == 1
        assert "z 0.3775" in diagram_text(app)
        await pilot.press("q", "escape", "u")  # on again; the update: a new trace, its loss to predict
        assert "update applied: loss 0.298371 → ?" in str(screen.status())
        assert screen.k == 0 and screen.quiz.score().to_go == 23


async def test_the_row_and_the_cursor_choose_what_is_asked(tmp_path) -> None:
    app = host("xor", quiz=ALL, check=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        assert {q.label for q in screen.quiz.questions} >= {"z(h1) (row 1)", "∂L/∂w(h1→o1)"}
        await pilot.press("escape", "r")
        assert screen.row == 1 and {q.label for q in screen.quiz.questions} >= {"z(h1) (row 2)"}
        await pilot.press("left_square_bracket", "down")  # the cursor onto h2: w(x1→h2) and w(h2→o1)
        labels = {q.label for q in screen.quiz.questions}
        assert {"∂L/∂w(x1→h2)", "∂L/∂w(h2→o1)"} <= labels


async def test_no_hidden_number_is_on_screen_before_it_is_answered() -> None:
    """Walk every step with the quiz on, in the diagram (answering three on the way) and then in the matrix
    view, with the cursor on each layer in turn (the neuron panel substitutes the layer below's numbers):
    no pending number is anywhere on screen, as 4 or 6 significant digits."""
    app = host("classic-2-2-2", quiz=ALL)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        answered = []
        for view in ("diagram", "matrix"):
            if view == "matrix":
                screen.action_matrix()
            for k in range(1, len(screen.net.steps) + 1):
                await at(app, pilot, k)
                screen.select((k + (view == "matrix")) % 4, 0)
                await pilot.pause()
                text = screen_text(app)
                for q in screen.quiz.questions:
                    if screen.quiz.pending(q):
                        for written in {short(q.answer), v4(q.answer).replace("−", "-"), v4(q.answer)}:
                            assert written not in text, (k, view, q.label, written)
                if view == "diagram" and k in (A1, A2, GRAD_W2):  # answered: shown from then on
                    q = screen.quiz.current(k)
                    screen.query_one(QuizInput).focus()
                    await answer(pilot, short(q.answer))
                    answered.append(q.label)
                    await at(app, pilot, k)
                    assert v4(q.answer) in diagram_text(app)
        assert answered == ["a(h1)", "a(o1)", "∂L/∂w(h1→o1)"]


def test_quiz_on_the_command_line_starts_the_network_screen_in_quiz_mode(tmp_path) -> None:
    from backprop_tui.tui.launch import launch
    from tests.network.helpers import echo_epoch, echo_trace
    from tests.tui.conftest import echo_checker

    spec = str(EXAMPLES / "classic-2-2-2.toml")
    out = tmp_path / "quiz.svg"
    keys = ["enter", *"0.3775", "enter"]
    assert launch(spec, keys, str(out), (120, 40), checker=echo_checker, network_checkers=(echo_trace, echo_epoch),
                  quiz=ALL) == 0
    svg = out.read_text().replace("&#160;", " ")
    assert "predict" in svg and "z(h2)" in svg and "score 1/1 right first time · 22 to go" in svg


async def test_a_model_file_opens_in_quiz_mode(tmp_path, monkeypatch) -> None:
    from backprop_tui.tui.app import BackpropApp
    from backprop_tui.tui.screens.network import NetworkScreen
    from tests.network.model_cases import POST
    from tests.network.model_helpers import InProcessChecker
    from tests.tui.test_model_open import loaded

    monkeypatch.setattr("backprop_tui.network.remote.RemoteChecker", InProcessChecker)
    path = tmp_path / "seed_mlp.py"
    path.write_text(POST, encoding="utf-8")
    app = BackpropApp(network=(str(path), POST), check=False, quiz=ALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app, pilot)
        screen = app.screen
        assert isinstance(screen, NetworkScreen) and screen.quiz.on and isinstance(app.focused, QuizInput)
        await pilot.press("enter")
        assert screen.k == 1 and "predict z(h1) (row 1) = ?" in panel(app)[0]  # 1,000 rows: the first asked


async def test_the_palette_from_the_quiz_input_offers_and_runs_every_action() -> None:
    from textual.command import CommandPalette
    from textual.widgets import Input

    from backprop_tui.tui.commands import NetworkCommands

    app = host("classic-2-2-2", quiz=ALL)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause()
        assert isinstance(app.focused, QuizInput)
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        titles = [str(hit.display) async for hit in NetworkCommands(screen).discover()]
        assert "Finish the forward pass" in titles and any(t.startswith("Quiz mode") for t in titles)
        palette.query_one(Input).value = "Finish the forward"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.current.phase == "loss"
        await pilot.press("f1")  # help, although `?` would be typed in the input
        await pilot.pause()
        assert app.screen is not screen
