"""Reading a prediction (the chain language's parser, never eval) and the rule for a right one."""

from __future__ import annotations

import pytest

from backprop_tui.errors import BadInput
from backprop_tui.quiz.judge import judge, read_prediction


def right(typed: str, answer: float) -> bool:
    return judge(read_prediction(typed), answer)


@pytest.mark.parametrize(("typed", "value"), [
    ("2*3", 6.0), ("1/4", 0.25), ("-0.5*4", -2.0), ("(1 + 2)*0.5", 1.5), ("2**-1", 0.5), ("-(3)", -3.0),
    ("exp(1)", 2.718281828459045), ("sigmoid(0)", 0.5), ("−0.5·4", -2.0), ("3×2", 6.0), (" 0.59 ", 0.59),
])
def test_arithmetic_is_read_by_the_chain_parser(typed, value):
    assert read_prediction(typed).value == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(("typed", "message"), [
    ("", "type a number"), ("w1", "`w1` is a name"), ("2*w1", "`w1` is a name"), ("1,5", "use a point"),
    ("2^3", "use ** for powers"), ("1/0", "division by zero"), ("log(-1)", "positive numbers"),
    ("exp(1000)", "too large"), ("2 3", "unexpected number 3"), ("x = 2", "unexpected `=`"), ("2;3", "`;`"),
    ("__import__('os')", "strings are not allowed"), ("softmax(1, 2)", "not arithmetic"), ("1e999", "too large"),
    ("-" * 101 + "1", "signs in a row"), ("1" * 201, "at most 200 characters"),
])
def test_anything_else_is_a_clear_message(typed, message):
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace("*", r"\*").replace("^", r"\^")):
        read_prediction(typed)


@pytest.mark.parametrize(("answer", "typed", "ok"), [
    # the relative rule: within 1e-3 of the answer
    (0.593269992, "0.5933", True), (0.593269992, "0.593", True), (0.593269992, "0.5927", True),
    (0.593269992, "0.5925", False),
    # the digits typed: at least 2 significant digits, and the answer rounds to them
    (0.593269992, "0.59", True), (0.593269992, "0.60", False), (0.593269992, "0.6", False),
    (0.082167041, "0.082", True), (0.082167041, "0.08", False), (0.082167041, "0.083", False),
    (12.4, "12", True), (2.4, "2", False), (123456.0, "1.2e5", True), (0.593, "5.9e-1", True),
    (0.595, "0.59", True), (0.595, "0.60", True),  # a tie counts either way
    # negatives: the sign matters
    (-0.0380982, "-0.038", True), (-0.0380982, "0.038", False), (-0.0380982, "-0.04", False),
    (-0.0380982, "−0.038", True), (-4.0, "-4", True), (-4.0, "4", False),
    # integers
    (2.0, "2", True), (2.0, "2.0", True), (2.0, "1.99", False), (2.0, "2*1", True), (7.0, "3*2+1", True),
    # zero, and answers near it
    (0.0, "0", True), (0.0, "0.0", True), (0.0, "-0", True), (0.0, "0.001", False), (5.551115e-17, "0", True),
    (1e-8, "1e-8", True), (1e-8, "1.0e-8", True), (1e-8, "0", False), (1e-8, "1.4e-8", False),
    (0.000438568, "0.00044", True), (0.000438568, "4.4e-4", True), (0.000438568, "0.0004", False),
])
def test_the_rule(answer, typed, ok):
    assert right(typed, answer) is ok


def test_arithmetic_is_judged_by_the_relative_rule_only():
    assert right("1/3", 0.333333333)
    assert not right("0.59*1", 0.593269992)  # the digits rule is for a plain number as typed
    assert right("0.59", 0.593269992)


def test_digits_typed():
    assert read_prediction("0.590").decimals == 3
    assert read_prediction("0.08").decimals is None  # one significant digit
    assert read_prediction("1200").decimals == 0  # trailing zeros typed count
    assert read_prediction("2*3").decimals is None
    assert read_prediction("1.0e-99999").decimals is None  # no float has such digits: no huge powers of ten
