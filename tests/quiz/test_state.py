"""The Quiz a screen owns: hiding, tries and hints, the score, and never losing the learner's place."""

from __future__ import annotations

from pathlib import Path

from backprop_tui.engine.rules import RULES
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang import parse_program
from backprop_tui.network.engine import trace as net_trace
from backprop_tui.network.spec import load_spec
from backprop_tui.quiz import ALL, Quiz, chain_questions, network_questions

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "examples" / "chain.bp").read_text()
Y1, DY2_DY1, GRAD_Y1 = 6, 11, 15  # positions k whose current step is y1's value, ∂y2/∂y1, grad(y1)


def seed_quiz(**kw) -> Quiz:
    quiz = Quiz(**kw)
    quiz.load(chain_questions(build_trace(parse_program(SEED))))
    return quiz


def test_hidden_until_answered():
    quiz = seed_quiz()
    quiz.start(0)
    assert not quiz.hidden(0)  # x = 1, a leaf: given
    assert quiz.hidden(Y1 - 1) and quiz.hidden(DY2_DY1 - 1)
    quiz.at(Y1)
    assert quiz.current(Y1).label == "y1"
    fb = quiz.submit(Y1, "3")
    assert fb.kind == "right" and fb.advance and fb.text == "✓ right first time: y1 = x·w1 + b1 = 1·2 + 1 = 3"
    assert not quiz.hidden(Y1 - 1) and quiz.current(Y1) is None
    assert quiz.score().text == "score 1/1 right first time · 13 to go"


def test_off_hides_nothing():
    quiz = seed_quiz()
    assert not any(quiz.hidden(i) for i in range(20))


def test_wrong_then_hint_then_answer_with_arithmetic():
    quiz = seed_quiz(on=True)
    quiz.at(DY2_DY1)
    first = quiz.submit(DY2_DY1, "3")
    assert first.kind == "hint" and not first.advance
    assert RULES["mul"].calculus[0] in first.text and first.text.startswith("✗ 3 is not ∂y2/∂y1.")
    assert quiz.hidden(DY2_DY1 - 1)  # a second try to come
    second = quiz.submit(DY2_DY1, "2*2")
    assert second.kind == "answer" and second.text.endswith("The answer: ∂y2/∂y1 = w2 = 2")
    assert "2*2 = 4" in second.text
    assert not quiz.hidden(DY2_DY1 - 1) and not second.advance  # the learner reads it, then moves on
    assert quiz.submit(DY2_DY1, "").kind == "next"
    assert quiz.score().first == 0 and quiz.score().asked == 1


def test_right_on_the_second_try_is_not_first_time():
    quiz = seed_quiz(on=True)
    quiz.at(GRAD_Y1)
    assert quiz.submit(GRAD_Y1, "1").kind == "hint"
    hint = quiz.record(quiz.current(GRAD_Y1))
    assert hint is not None and hint.status == "tried"
    fb = quiz.submit(GRAD_Y1, "2")
    assert fb.kind == "right" and "second try" in fb.text and fb.advance
    assert (quiz.score().first, quiz.score().asked) == (0, 1)


def test_bad_input_is_no_try():
    quiz = seed_quiz(on=True)
    quiz.at(Y1)
    fb = quiz.submit(Y1, "x*w1 + b1")
    assert fb.kind == "invalid" and fb.text == "`x` is a name: type its value, or the number you computed (column 1)"
    assert quiz.record(quiz.current(Y1)) is None and quiz.score().asked == 0


def test_the_sign():
    quiz = Quiz(on=True)
    quiz.load(chain_questions(build_trace(parse_program("x = -2; y = 5; z = -4; q = x + y; f = q*z"))))
    quiz.at(5)  # f = q·z
    assert "check the sign" in quiz.submit(5, "12").text


def test_skipping_keeps_the_question_and_answers_stay_answered():
    quiz = seed_quiz(on=True)
    for k in range(1, Y1 + 1):
        quiz.at(k)
    quiz.submit(Y1, "3")
    quiz.at(Y1 + 1)  # y2: skipped with → without an answer
    quiz.at(Y1 + 2)
    assert quiz.hidden(Y1) and not quiz.hidden(Y1 - 1)
    quiz.at(Y1 + 1)  # back: still asked
    assert quiz.current(Y1 + 1).label == "y2"
    quiz.at(0)
    quiz.at(20)  # home, then end: nothing answered is lost, nothing skipped is revealed
    assert not quiz.hidden(Y1 - 1) and quiz.hidden(Y1)


def test_steps_passed_before_the_quiz_are_not_asked_and_q_asks_from_here():
    quiz = seed_quiz()
    for k in range(1, 21):
        quiz.at(k)  # the learner saw every step, then turns the quiz on at GRAD_Y1
    quiz.at(GRAD_Y1)
    quiz.start(GRAD_Y1)
    assert not quiz.hidden(Y1 - 1)  # seen before the quiz
    assert quiz.hidden(GRAD_Y1 - 1) and quiz.hidden(19)  # the current step and every later one
    assert quiz.score().to_go == 6  # grad(y1), grad(b2), grad(w2), grad(b1), grad(w1), grad(x)


def test_phase_choice():
    quiz = seed_quiz(on=True, phases=frozenset({"local"}))
    assert not quiz.hidden(Y1 - 1) and quiz.hidden(DY2_DY1 - 1) and not quiz.hidden(GRAD_Y1 - 1)
    for k in range(1, DY2_DY1 + 1):
        quiz.at(k)  # passes the forward steps: not asked, so shown
    quiz.set_phases(frozenset({"forward", "local", "grad"}))
    assert not quiz.hidden(Y1 - 1)  # passed while not asked: stays shown
    assert quiz.hidden(GRAD_Y1 - 1)
    assert quiz.asked_at(GRAD_Y1)[0].label == "grad(y1)"


def test_a_rebuild_keeps_records_when_the_number_is_the_same():
    quiz = seed_quiz(on=True)
    quiz.at(Y1)
    quiz.submit(Y1, "3")
    quiz.load(chain_questions(build_trace(parse_program(SEED))))  # torch's figures arrive: the same numbers
    assert not quiz.hidden(Y1 - 1) and quiz.score().asked == 1
    quiz.load(chain_questions(build_trace(parse_program(SEED.replace("b1 = 1", "b1 = 2")))))
    assert quiz.hidden(Y1 - 1)  # y1 is 4 now: asked afresh
    assert quiz.score().asked == 1  # the session's score is kept


def test_restart():
    quiz = seed_quiz(on=True)
    quiz.at(Y1)
    quiz.submit(Y1, "3")
    quiz.restart()
    assert quiz.hidden(Y1 - 1) and quiz.score().text == "no answers yet · 14 to go"


def test_a_network_step_asks_each_neuron_then_advances():
    tr = net_trace(load_spec(str(ROOT / "examples" / "classic-2-2-2.toml")))
    quiz = Quiz(on=True)
    quiz.load(network_questions(tr))
    k = 2  # a1 = sigmoid(z1)
    quiz.at(k)
    assert quiz.hidden_entries(k - 1) == {(0, 0), (0, 1)}
    fb = quiz.submit(k, "0.593")
    assert fb.kind == "right" and not fb.advance  # h2 is still to come on this step
    assert quiz.hidden_entries(k - 1) == {(0, 1)} and quiz.hidden(k - 1)
    assert quiz.current(k).label == "a(h2)"
    fb = quiz.submit(k, "0.5969")
    assert fb.advance and not quiz.hidden(k - 1)
    quiz.at(9)  # ∂L/∂W2: only fc2.weight[0,0] (w5) is asked
    assert quiz.hidden_entries(8) == {(0, 0)}
    assert quiz.submit(9, "0.082").kind == "right"


def test_the_running_counts_match_a_full_count():
    """`to go` is kept as counts (constant time per step); after any walk it equals counting them all."""
    import random

    rng = random.Random(7)
    quiz = seed_quiz()
    trace = build_trace(parse_program(SEED))
    for _ in range(400):
        op = rng.choice(["at", "at", "submit", "start", "stop", "phases", "load"])
        k = rng.randrange(0, 21)
        if op == "at":
            quiz.at(k)
        elif op == "submit":
            q = quiz.current(quiz._k)
            quiz.submit(quiz._k, rng.choice(["0", "1", "2", "3", "4", "7", "x"]) if q else "")
        elif op == "start":
            quiz.start(k)
        elif op == "stop":
            quiz.stop()
        elif op == "phases":
            quiz.set_phases(rng.choice([frozenset({"local"}), frozenset({"grad", "forward"}), ALL]))
        else:
            quiz.load(chain_questions(trace))
        full = sum(1 for q in quiz.questions if quiz.pending(q))
        assert quiz.score().to_go == full, op
