"""Quiz mode: predict each number before it is shown. Pure (no textual, no torch).

- questions.py: which steps of a chain are asked, each with its context, hint and worked answer;
- network.py: a network's per-neuron questions (z, a, ∂L/∂a, f'(z), δ, one weight's gradient);
- judge.py: reading a typed prediction (a number or arithmetic, never eval) and the rule for "right";
- state.py: the Quiz a screen owns: hidden(step), tries, hints, the score.
"""

from backprop_tui.quiz.judge import judge, read_prediction
from backprop_tui.quiz.network import network_questions
from backprop_tui.quiz.questions import ALL, CHOICES, PHASES, Question, chain_questions, parse_phases, phases_text
from backprop_tui.quiz.state import Feedback, Quiz, Score

__all__ = ["ALL", "CHOICES", "PHASES", "Feedback", "Question", "Quiz", "Score", "chain_questions", "judge",
           "network_questions", "parse_phases", "phases_text", "read_prediction"]
