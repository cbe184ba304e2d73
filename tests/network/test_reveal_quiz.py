"""network.reveal in quiz mode: which entries are hidden, and a pending number masked in any text."""

from __future__ import annotations

from backprop_tui.network.engine import trace
from backprop_tui.network.reveal import Reveal, secret_texts
from backprop_tui.network.spec import load_spec
from backprop_tui.quiz import ALL, Quiz, network_questions
from tests.network.test_screen import EXAMPLES


def test_a_pending_number_is_masked_in_any_text_with_either_sign_and_in_full() -> None:
    r = Reveal(secrets=secret_texts([0.5932699921071872, -0.217072, 1.0]))
    assert r.mask("a = sigmoid(0.3775) = 0.59327.") == "a = sigmoid(0.3775) = ?."
    assert r.mask("(−0.217072)·2, -0.217072 and 0.217072; 0.5932699921071872") == "(?)·2, ? and ?; ?"
    assert r.mask("h1.59327 x0.59327 fc2.weight[1,0] = 1") == "h1.59327 x0.59327 fc2.weight[1,0] = 1"  # names, 1


def test_the_quiz_hides_entries_of_steps_and_never_a_given() -> None:
    net = trace(load_spec(str(EXAMPLES / "classic-2-2-2.toml")))
    quiz = Quiz(ALL, on=True)
    quiz.load(network_questions(net))
    quiz.start(0)
    pending = [q.answer for q in quiz.questions if quiz.pending(q)]
    r = Reveal.of(net).with_quiz(quiz.hidden_entries, pending, secret_texts([0.3775]))
    assert r.hidden("a", 1, (0, 0)) and r.hidden("grad_w", 2, (0, 0)) and not r.hidden("grad_w", 2, (0, 1))
    assert r.shown("z", 1, 1, (0, 0)) is False and r.known("z", 1, 1)
    assert r.hidden_at(9) == {(0, 0)} and r.hidden_at(5) == {()}  # w5's gradient; the loss
    assert r.mask("z = 0.3775, a = 0.59327, ∂L/∂w = 0.082167") == "z = 0.3775, a = ?, ∂L/∂w = ?"
