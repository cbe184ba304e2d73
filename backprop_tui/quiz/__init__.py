"""Quiz mode: predict each number before it is shown. Pure (no textual, no torch).

- questions.py: which steps of a chain are asked, each with its context, hint and worked answer;
- network.py: a network's per-neuron questions (z, a, ∂L/∂a, f'(z), δ, one weight's gradient);
- judge.py: reading a typed prediction (a number or arithmetic, never eval) and the rule for "right";
- state.py: the Quiz a screen owns: hidden(step), tries, hints, the score.

Hosting the quiz on a screen (the chain screen does it in tui/quiz_actions.py; the widget is
tui/widgets/quiz.py's QuizPanel):
1. own a `Quiz(phases, on=...)`; compose a `QuizPanel` (hidden while the quiz is off);
2. after every new trace, while the quiz is on: `quiz.load(chain_questions(trace))` or
   `quiz.load(network_questions(net_trace, row=the data row shown))` (again when the row changes);
3. after every move or redraw: `quiz.at(k)`, then `panel.show(quiz, k)`;
4. before showing a step's number: `quiz.hidden(step)` (the whole step) or, per neuron or weight,
   `entry in quiz.hidden_entries(step)`: show `?`, and the step's label with `= ?` instead of its formula;
5. `q`: on, `quiz.load(...)` then `quiz.start(k)` and focus `panel.input`; off, `quiz.stop()`; redraw;
6. `on_quiz_panel_answered(m)`: redraw, and go to k + 1 when `m.feedback.advance`;
   `on_quiz_panel_phases_changed`: redraw; `on_quiz_panel_leave`: focus the main view;
7. keep single-letter keys from firing while `panel.input` has the focus (priority bindings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backprop_tui.quiz.judge import judge, read_prediction
from backprop_tui.quiz.questions import ALL, CHOICES, PHASES, Question, chain_questions, parse_phases, phases_text
from backprop_tui.quiz.state import Feedback, Quiz, Score

if TYPE_CHECKING:
    from backprop_tui.quiz.network import network_questions


def __getattr__(name: str) -> object:
    """network_questions on first use: it brings the network engine and numpy (~0.1 s), which the chain
    screen's start-up does without."""
    if name == "network_questions":
        from backprop_tui.quiz.network import network_questions

        return network_questions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["ALL", "CHOICES", "PHASES", "Feedback", "Question", "Quiz", "Score", "chain_questions", "judge",
           "network_questions", "parse_phases", "phases_text", "read_prediction"]
