"""The quiz panel alone, hosted by a minimal screen the way the network screen will host it: per-neuron
questions of the 2-2-2 network, several on one step, hidden entries for the picture."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from backprop_tui.network.engine import trace
from backprop_tui.network.spec import load_spec
from backprop_tui.quiz import Quiz, network_questions
from backprop_tui.tui.widgets.quiz import QuizInput, QuizPanel

SPEC = Path(__file__).resolve().parents[2] / "examples" / "classic-2-2-2.toml"


class Host(App[None]):
    """What a screen does: owns the Quiz, tells the panel k, moves on Answered when told to."""

    def __init__(self) -> None:
        super().__init__()
        self.net = trace(load_spec(str(SPEC)))
        self.quiz = Quiz(on=True)
        self.quiz.load(network_questions(self.net))
        self.k = 0
        self.moves = 0

    def compose(self) -> ComposeResult:
        yield QuizPanel()

    def on_mount(self) -> None:
        self.go(2)  # a1 = sigmoid(z1): two neurons to predict
        self.query_one(QuizInput).focus()

    def go(self, k: int) -> None:
        self.k = k
        self.quiz.at(k)
        self.query_one(QuizPanel).show(self.quiz, k)

    def on_quiz_panel_answered(self, message: QuizPanel.Answered) -> None:
        if message.feedback.advance:
            self.moves += 1
            self.go(self.k + 1)
        else:
            self.go(self.k)


async def type_and_enter(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await pilot.pause()


async def test_a_network_step_asks_each_neuron():
    app = Host()
    async with app.run_test(size=(90, 12)) as pilot:
        await pilot.pause()
        panel = app.query_one(QuizPanel)
        assert "predict a(h1) = ?" in str(panel.query_one("#quiz-question").render())
        assert app.quiz.hidden_entries(1) == {(0, 0), (0, 1)}
        await type_and_enter(pilot, "0.59")  # out_h1 = 0.593269992, to the digits typed
        assert app.k == 2 and app.moves == 0  # h2 is still to come on this step
        assert app.quiz.hidden_entries(1) == {(0, 1)}
        assert "predict a(h2) = ?" in str(panel.query_one("#quiz-question").render())
        await type_and_enter(pilot, "0.6")  # one significant digit: not enough; 0.5% off
        assert "Hint: the activation: σ(z) = 1/(1 + e^(−z))" in str(panel.query_one("#quiz-feedback").render())
        await type_and_enter(pilot, "0.5969")
        assert app.k == 3 and app.moves == 1 and not app.quiz.hidden(1)
        assert str(panel.border_subtitle) == "score 1/2 right first time · 21 to go"  # z1 was skipped
