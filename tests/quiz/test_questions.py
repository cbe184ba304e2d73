"""Which steps are asked, with real figures: the seed chain, CS231n's circuit, fan-out, a long statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_tui.engine.rules import RULES
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang import parse_program
from backprop_tui.quiz import ALL, chain_questions, parse_phases, phases_text

ROOT = Path(__file__).resolve().parents[2]
CS231N = "x = -2; y = 5; z = -4; q = x + y; f = q*z"


def questions(text: str) -> dict[str, object]:
    return {q.label: q for q in chain_questions(build_trace(parse_program(text)))}


def test_the_seed_chain():
    qs = chain_questions(build_trace(parse_program((ROOT / "examples" / "chain.bp").read_text())))
    # leaves (x, w1, b1, w2, b2) and the output's own gradient are given, as on a worksheet
    assert [q.label for q in qs] == [
        "y1", "y2", "∂y1/∂x", "∂y1/∂w1", "∂y1/∂b1", "∂y2/∂y1", "∂y2/∂w2", "∂y2/∂b2",
        "grad(y1)", "grad(b2)", "grad(w2)", "grad(b1)", "grad(w1)", "grad(x)"]
    by = {q.label: q for q in qs}
    assert [by[k].answer for k in ("y1", "y2", "∂y1/∂x", "∂y2/∂w2", "grad(y1)", "grad(x)")] == [3, 7, 2, 3, 2, 4]
    assert {q.phase for q in qs} == ALL
    assert by["∂y2/∂y1"].step == 10 and by["∂y2/∂y1"].entry == ()
    assert by["∂y2/∂y1"].working == "∂y2/∂y1 = w2 = 2"  # the answer with its arithmetic: the step's formula
    assert by["grad(x)"].working == "grad(x) = grad(y1)·∂y1/∂x = 2·2 = 4"
    assert by["y1"].context == "y1 = x·w1 + b1" and "3" not in by["y1"].context
    assert by["∂y1/∂w1"].context == "y1 = x·w1 + b1; x, b1 held fixed"


def test_cs231n_circuit():
    by = questions(CS231N)
    assert by["q"].answer == 3 and by["f"].answer == -12
    assert by["∂f/∂q"].answer == -4 and by["∂f/∂z"].answer == 3 and by["∂q/∂x"].answer == 1
    assert [by[f"grad({n})"].answer for n in "qzyx"] == [-4, 3, -4, -4]
    # a local's hint is the rule table's calculus line for the op that connects them, a and b named
    assert by["∂f/∂q"].hint == f"{RULES['mul'].calculus[0]} (a = q, b = z)"
    assert by["∂f/∂z"].hint == f"{RULES['mul'].calculus[1]} (a = q, b = z)"
    assert by["∂q/∂y"].hint == f"{RULES['add'].calculus[1]} (a = x, b = y)"
    # a gradient's hint names the consumers and the product each gives
    assert by["grad(x)"].hint == "grad(x) = grad(q)·∂q/∂x: one consumer, q"
    assert by["grad(q)"].hint == "grad(q) = grad(f)·∂f/∂q: one consumer, f"


def test_a_statement_of_several_ops_lists_the_rule_per_op_outermost_first():
    by = questions("x = 1; w1 = 2; b1 = 1; y1 = x*w1 + b1")
    hint = by["∂y1/∂x"].hint
    assert hint.index(RULES["add"].calculus[0]) < hint.index(RULES["mul"].calculus[0])
    assert hint == "the chain rule inside the statement, outermost first: ∂(a + b)/∂a = 1 (a = x·w1, b = b1), then " \
        "∂(a·b)/∂a = b (a = x, b = w1)"


def test_a_name_used_twice_in_a_statement_adds_one_term_per_use():
    by = questions("x = 3; y = x*x")
    assert by["∂y/∂x"].answer == 6
    assert "x appears 2 times" in by["∂y/∂x"].hint
    assert RULES["mul"].calculus[0] in by["∂y/∂x"].hint and RULES["mul"].calculus[1] in by["∂y/∂x"].hint


def test_fan_out_names_every_consumer():
    by = questions("x = 2; a = 3*x; b = x*x; c = a + b")
    g = by["grad(x)"]
    assert g.answer == 3 + 2 * 2
    assert g.hint == ("grad(x) = grad(a)·∂a/∂x + grad(b)·∂b/∂x: 2 consumers, a, b: x fans out, so add the "
                      "product each gives")


def test_unary_and_softmax_rules():
    by = questions("z1 = 1; z2 = 2; p1, p2 = softmax(z1, z2); t = tanh(p1)")
    assert RULES["tanh"].calculus[0] in by["∂t/∂p1"].hint
    assert by["∂p1/∂z2"].hint.endswith("(s = softmax(z1, z2), i = 1, j = 2)")
    assert by["∂p1/∂z2"].answer == pytest.approx(-by["p1"].answer * by["p2"].answer)


def test_a_long_statement_gives_the_symbolic_partial():
    terms = " + ".join(f"x*{k}" for k in range(1, 200))
    by = questions(f"x = 1; y = {terms}")
    assert by["∂y/∂x"].answer == sum(range(1, 200))
    assert "∂y/∂x = " in by["∂y/∂x"].hint or "chain rule through the expression" in by["∂y/∂x"].hint


def test_given_facts_are_not_asked():
    by = questions("c = const(3); x = 2; k = c*2; y = x*k; z = x + 1")  # the output is z
    assert "c" not in by and "x" not in by  # leaves
    assert "grad(c)" not in by and "grad(k)" not in by  # no gradient: a constant, computed from constants only
    assert "grad(z)" not in by  # the output's own gradient is 1
    assert "grad(y)" not in by  # 0: the output does not read y
    assert by["grad(x)"].answer == 1 and by["y"].answer == 12


def test_phases_parse():
    assert parse_phases("all") == ALL
    assert parse_phases("local, grad") == {"local", "grad"}
    assert parse_phases("gradients") == {"grad"}
    assert phases_text(parse_phases("grad,local")) == "local,grad"
    with pytest.raises(BadInput, match="choose all, or any of forward, local, grad"):
        parse_phases("locals,update")
