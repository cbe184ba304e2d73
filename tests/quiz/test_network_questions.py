"""A network's per-neuron questions, with the classic 2-2-2 figures (Mazur, "A Step by Step
Backpropagation Example", 2015): out_h1 = 0.593269992, ∂E/∂w5 = 0.082167041, ∂E/∂w1 = 0.000438568."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_tui.network.engine import trace
from backprop_tui.network.spec import load_spec
from backprop_tui.quiz import network_questions
from backprop_tui.quiz.judge import judge, read_prediction

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def classic():
    tr = trace(load_spec(str(EXAMPLES / "classic-2-2-2.toml")))
    return tr, {q.label: q for q in network_questions(tr)}


def test_the_classic_figures(classic):
    tr, by = classic
    assert by["a(h1)"].answer == pytest.approx(0.593269992, abs=5e-10)
    assert by["z(h1)"].answer == pytest.approx(0.3775, abs=1e-15)
    assert by["a(o1)"].answer == pytest.approx(0.75136507, abs=5e-9)
    assert by["L"].answer == pytest.approx(0.298371109, abs=5e-10)
    assert by["δ(o1)"].answer == pytest.approx(0.138498562, abs=5e-10)
    assert by["∂L/∂w(h1→o1)"].answer == pytest.approx(0.082167041, abs=5e-10)  # w5
    assert by["∂L/∂a(h1)"].answer == pytest.approx(0.036350306, abs=5e-10)
    assert by["∂L/∂w(x1→h1)"].answer == pytest.approx(0.000438568, abs=5e-10)  # w1
    # each answer is the step's own array entry, not a recomputation
    for q in by.values():
        value = tr.arrays[q.step] if q.entry == () else tr.arrays[q.step][q.entry]
        assert q.answer == float(value)


def test_per_neuron_never_whole_matrices(classic):
    _, by = classic
    assert list(by) == [
        "z(h1)", "z(h2)", "a(h1)", "a(h2)", "z(o1)", "z(o2)", "a(o1)", "a(o2)", "L",
        "∂L/∂a(o1)", "∂L/∂a(o2)", "∂a(o1)/∂z(o1)", "∂a(o2)/∂z(o2)", "δ(o1)", "δ(o2)", "∂L/∂w(h1→o1)",
        "∂L/∂a(h1)", "∂L/∂a(h2)", "∂a(h1)/∂z(h1)", "∂a(h2)/∂z(h2)", "δ(h1)", "δ(h2)", "∂L/∂w(x1→h1)"]
    assert by["∂L/∂w(h1→o1)"].context == "∂L/∂w(h1→o1), the gradient of fc2.weight[0,0]"
    assert by["∂L/∂w(h1→o1)"].entry == (0, 0) and by["δ(o2)"].entry == (0, 1)
    phases = {q.phase for q in by.values()}
    assert phases == {"forward", "local", "grad"}
    assert by["∂a(h1)/∂z(h1)"].phase == "local" and by["δ(h1)"].phase == "grad" and by["L"].phase == "forward"


def test_workings_and_hints(classic):
    _, by = classic
    assert by["z(h1)"].working == "z(h1) = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775"
    assert by["a(h1)"].working == "a(h1) = sigmoid(0.3775) = 0.59327"
    assert by["δ(o1)"].working == "δ(o1) = ∂L/∂a(o1)·∂a(o1)/∂z(o1) = 0.741365·0.186816 = 0.138499"
    assert by["∂L/∂w(h1→o1)"].working == "∂L/∂w(h1→o1) = δ(o1)·a(h1) = 0.138499·0.59327 = 0.082167"
    assert by["∂L/∂a(h1)"].working == ("∂L/∂a(h1) = δ(o1)·w(h1→o1) + δ(o2)·w(h1→o2) = 0.138499·0.4 + "
                                       "(-0.0380982)·0.5 = 0.0363503")
    assert "2 consumers, o1, o2" in by["∂L/∂a(h1)"].hint
    assert "∂σ(a)/∂a = σ(a)·(1 - σ(a))" in by["∂a(h1)/∂z(h1)"].hint
    assert "one consumer, z(o1)" in by["∂L/∂w(h1→o1)"].hint
    # the worked figures are right answers themselves
    for q in by.values():
        assert judge(read_prediction(q.working.rsplit(" = ", 1)[1]), q.answer), q.label


def test_rows_and_a_chosen_weight():
    tr = trace(load_spec(str(EXAMPLES / "xor.toml")))
    qs = network_questions(tr, row=2, weights={1: (1, 0)})
    by = {q.label: q for q in qs}
    assert by["a(h1) (row 3)"].answer == float(tr.arrays[1][2, 0])
    assert by["∂L/∂w(x1→h2)"].entry == (1, 0)
    assert by["∂L/∂w(x1→h2)"].answer == float(tr.arrays[by["∂L/∂w(x1→h2)"].step][1, 0])
    with pytest.raises(ValueError, match="4 rows"):
        network_questions(tr, row=4)


def test_softmax_cross_entropy_asks_delta_once_and_skips_the_jacobian():
    tr = trace(load_spec(str(EXAMPLES / "iris.toml")))
    qs = network_questions(tr)
    deltas = [q for q in qs if q.label.startswith("δ(o")]
    assert len(deltas) == 3
    assert all(tr.keys[q.step][0] != "jac" for q in qs)
    assert "(s·Σy − y)/N" in deltas[0].hint
    assert len({q.key for q in qs}) == len(qs)  # every question has its own key
