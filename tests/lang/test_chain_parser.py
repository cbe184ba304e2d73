"""The chain language: what it accepts, what it refuses (with line and column), and that it never crashes
or runs anything, however long, deep or random the text."""

from __future__ import annotations

import builtins
import contextlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_tui.engine.atomize import atomize
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang import parse_program
from backprop_tui.lang.expr import Num, Op, Ref

WHERE = re.compile(r"line (\d+), column (\d+)")


def parse(text: str, of: str | None = None):
    return parse_program(text, of)


def refusal(text: str | bytes) -> BadInput:
    with pytest.raises(BadInput) as info:
        program = parse_program(text)
        build_trace(program)  # domain errors (log(0), overflow, ...) come from the derivation
    return info.value


# -- accepted -------------------------------------------------------------------------------------
def test_leaves_comments_blank_lines_and_semicolons():
    p = parse("# the post's chain\n\nx = 1   # input\nw = 2; b = 3\n\n\ny = x*w + b\n")
    assert p.names == ["x", "w", "b", "y"]
    assert p.output == "y"
    assert p.dialect == "chain"
    assert [a.line for a in p.assignments] == [3, 4, 4, 7]
    assert p.get("y").reads == ("x", "w", "b")
    assert all(p.get(n).is_leaf for n in "xwb")


@pytest.mark.parametrize(("literal", "value"), [
    ("7", 7.0), ("2.5", 2.5), (".5", 0.5), ("3.", 3.0), ("1e3", 1000.0), ("1.5E-2", 0.015), ("2e+2", 200.0),
    ("-4", -4.0), ("0", 0.0), ("1e-320", 1e-320), ("- 2", -2.0),
])
def test_numbers(literal, value):
    a = parse(f"x = {literal}\n").get("x")
    assert a.is_leaf and a.expr.value == value


def test_precedence_is_pythons():
    e = parse("x = 2\ny = -x**2\n").get("y").expr
    assert isinstance(e, Op) and e.op == "neg" and e.args[0].op == "pow"  # -(x**2)
    e = parse("x = 2\ny = x**-1\n").get("y").expr
    assert e.op == "pow" and isinstance(e.args[1], Num) and e.args[1].value == -1
    e = parse("x = 2\ny = x**x**3\n").get("y").expr
    assert e.op == "pow" and isinstance(e.args[0], Ref) and e.args[1].op == "pow"  # right-associative
    e = parse("x = 2\ny = x - x - x\n").get("y").expr
    assert e.op == "sub" and e.args[0].op == "sub"  # left-associative
    e = parse("x = 2\ny = x + x*x\n").get("y").expr
    assert e.op == "add" and e.args[1].op == "mul"
    assert build_trace(parse("x = 3\ny = -x**2\n")).values["y"] == -9
    assert build_trace(parse("x = 3\ny = 2**-1*x\n")).values["y"] == 1.5


def test_crlf_tabs_bom_and_unicode_names():
    p = parse("\ufeffx\t= 1\r\nβ = x*2\r\n".encode())  # a file's bytes: the BOM is dropped
    assert p.names == ["x", "β"]
    assert parse("x\t= 1\r\nβ = x*2\r\n").names == ["x", "β"]
    assert parse(b"x = 1\ny = x*2\n").names == ["x", "y"]


def test_softmax_assigns_several_names_and_const_marks_a_leaf():
    p = parse("a = 1\nb = 2\nc = const(3)\np1, p2, p3 = softmax(a, b, c)\n")
    assert p.names == ["a", "b", "c", "p1", "p2", "p3"]
    assert p.get("c").constant and not p.get("a").constant
    assert [p.get(n).expr.index for n in ("p1", "p2", "p3")] == [0, 1, 2]
    assert p.output == "p3"


def test_names_read_in_order_of_first_use():
    assert parse("a = 1\nb = 2\nc = 3\ny = c*b + a*c + b\n").get("y").reads == ("c", "b", "a")


def test_parsing_runs_no_python(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the chain parser called eval, exec or compile")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)
    program = parse("x = 1\nw = 2\ny = tanh(x*w)**2 + exp(-w)\np, q = softmax(x, y)\n")
    assert build_trace(program).values["x"] == 1
    assert build_trace(atomize(program)).names[-2:] == ["p", "q"]


# -- refused, with line and column --------------------------------------------------------------------
BAD = [
    # text, line, column, words in the message
    ("x = 1\ny = x +\n", 2, 8, "operand is missing"),
    ("y = x +", 1, 8, "operand is missing"),
    ("x = 1\ny = (x + 1\n", 2, 11, "expected `)`"),
    ("x = 1\ny = x + 1)\n", 2, 10, "unexpected"),
    ("x = 1\ny = x x\n", 2, 7, "operator is missing"),
    ("x = 1\ny x\n", 2, 3, "expected `=`"),
    ("x = 1\ny =\n", 2, 4, "missing the right-hand side"),
    ("x = 1\ny = z*x\n", 2, 5, "`z` is used before it is defined"),
    ("y = x\nx = 1\n", 1, 5, "`x` is used before it is defined"),
    ("x = 1\nx = 2\n", 2, 1, "already assigned on line 1"),
    ("x = 1\ny = y + x\n", 2, 5, "its own definition"),
    ("x = 1\ny = foo(x)\n", 2, 5, "unknown function `foo`"),
    ("x = 1\ny = exp(x, x)\n", 2, 5, "exp takes 1 argument, got 2"),
    ("x = 1\ny = log()\n", 2, 5, "log takes 1 argument, got 0"),
    ("y = softmax()\n", 1, 5, "at least one argument"),
    ("a = 1\np, q = softmax(a)\n", 2, 6, "softmax of 1 input gives 1 output, but 2 names are assigned"),
    ("a = 1\np, q = exp(a)\n", 2, 4, "only softmax"),
    ("a = 1\np = softmax(a) + 1\n", 2, 5, "assign it on its own line"),
    ("x = 'a'\n", 1, 5, "strings are not allowed"),
    ('x = "a"\n', 1, 5, "strings are not allowed"),
    ("x = [1, 2]\n", 1, 5, "lists are not allowed"),
    ("x = {1: 2}\n", 1, 5, "braces"),
    ("import os\nx = 1\n", 1, 1, "imports are not allowed"),
    ("x = 1\nfrom os import path\n", 2, 1, "imports are not allowed"),
    ("x = 1\ny = x.real\n", 2, 6, "attribute access"),
    ("x = 1\ny = exp.x\n", 2, 8, "attribute access"),
    ("x = 1\ny = lambda: x\n", 2, 5, "lambdas are not allowed"),
    ("x = 1\ny = [x for x in 1]\n", 2, 5, "lists are not allowed"),
    ("x = 1\ny = x if x else x\n", 2, 7, "not allowed"),
    ("x = 1\ny = x ^ 2\n", 2, 7, "use ** for powers"),
    ("x = 1\ny = x @ x\n", 2, 7, "matrix"),
    ("x = 1\ny = exp\n", 2, 5, "is a function"),
    ("exp = 1\n", 1, 1, "is a function"),
    ("x = y = 1\n", 1, 7, "only one `=`"),
    ("x, x = softmax(1, 2)\n", 1, 4, "twice"),
    ("x = 1\nc = const(x)\n", 2, 5, "const(...) takes a number"),
    ("x = 1\ny = const(2)*x\n", 2, 5, "marks a whole leaf"),
    ("x = 1\ny = print(x)\n", 2, 5, "not allowed"),
    ("x = 1\ny = eval(x)\n", 2, 5, "not allowed"),
    ("x = 1\ny = x $ 2\n", 2, 7, "unexpected character"),
    # the derivation's refusals
    ("x = 0\ny = 1/x\n", 2, 6, "division by zero"),
    ("y = 2/(1 - 1)\n", 1, 6, "division by zero"),
    ("x = 0\ny = log(x)\n", 2, 5, "log is defined only for positive numbers"),
    ("x = -1\ny = log(x)\n", 2, 5, "log is defined only for positive numbers"),
    ("x = -1\ny = sqrt(x)\n", 2, 5, "sqrt of a negative number"),
    ("x = 0\ny = sqrt(x)\n", 2, 5, "infinite derivative"),
    ("y = (-8)**0.5\n", 1, 9, "not a real number"),
    ("x = -8\ny = x**0.5\n", 2, 6, "not a real number"),
    ("x = -8\ne = 3\ny = x**e\n", 3, 6, "e needs a gradient"),
    ("x = 0\ny = x**-1\n", 2, 6, "division by zero"),
    ("x = 0\ny = x**0.5\n", 2, 6, "infinite derivative"),
    ("x = 1000\ny = exp(x)\n", 2, 5, "overflow"),
    ("y = exp(1000)\n", 1, 5, "overflow"),
    ("x = 1e308\ny = x*10\n", 2, 6, "overflow"),
    ("y = 1e308*10\n", 1, 10, "overflow"),
    ("x = 1e308\ny = x + x\n", 2, 7, "overflow"),
    ("x = 1e200\ny = square(x)\n", 2, 5, "overflow"),
    ("x = 1e400\n", 1, 5, "too large for a float"),
    ("x = 1e-320\ny = log(x)\n", 2, 5, "inf"),
    ("x = 1e-200\ny = 1/x\n", 2, 6, "inf"),  # the value is finite, its derivative is not
    ("x = 1e-200\ny = x**-1\n", 2, 6, "inf"),
    ("x = 1e-300\nv = 1e200\nw = 1e200\ny = v*x\nz = w*y\n", 1, 1, "overflows"),  # a gradient overflows
    ("x = nan\n", 1, 5, "nan"),
    ("x = inf\n", 1, 5, "inf"),
]


@pytest.mark.parametrize(("text", "line", "col", "words"), BAD, ids=[repr(b[0])[:40] for b in BAD])
def test_bad_input_names_line_column_and_what(text, line, col, words):
    err = refusal(text)
    assert (err.line, err.col) == (line, col), str(err)
    assert words in err.message, str(err)
    message = str(err)
    assert message.startswith(f"line {line}, column {col}: ")
    assert len(message.splitlines()) <= 5


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "  \n\t\n", ";;"])
def test_empty_program(text):
    err = refusal(text)
    assert "empty" in err.message
    assert len(str(err).splitlines()) <= 5


def test_bytes_that_are_not_utf8():
    err = refusal(b"x = 1\ny = \xff\xfe*x\n")
    assert "not UTF-8" in err.message and (err.line, err.col) == (2, 5)
    err = refusal(b"\x80")
    assert (err.line, err.col) == (1, 1)


def test_nul_byte():
    assert "NUL" in refusal("x = 1\x00\n").message


def test_the_caret_stays_short_on_a_long_line():
    text = "x = 1\ny = " + " + ".join(["x"] * 5000) + " +\n"
    err = refusal(text)
    assert err.line == 2
    assert all(len(line) < 200 for line in str(err).splitlines())


# -- long and deep ------------------------------------------------------------------------------------
def test_a_sum_of_10000_terms_parses():
    p = parse("x = 1\ny = " + " + ".join(["x"] * 10_000) + "\n")
    assert p.get("y").reads == ("x",)
    assert build_trace(p).values["y"] == 10_000


def test_a_product_of_10000_factors_parses():
    p = parse("x = 1.0001\ny = " + "*".join(["x"] * 10_000) + "\n")
    assert build_trace(p).values["y"] == pytest.approx(1.0001**10_000)


DEEP = {
    "500 parentheses": "x = 1\ny = " + "(" * 500 + "x" + ")" * 500 + "\n",
    "500 unclosed parentheses": "x = 1\ny = " + "(" * 500 + "x\n",
    "500 nested calls": "x = 1\ny = " + "exp(" * 500 + "x" + ")" * 500 + "\n",
    "500 nested softmax": "x = 1\ny = " + "softmax(" * 500 + "x" + ")" * 500 + "\n",
    "500-long ** chain": "x = 1\ny = " + "**".join(["x"] * 500) + "\n",
    "10,000-long ** chain": "x = 1\ny = " + "**".join(["x"] * 10_000) + "\n",
    "10,000 unary minus": "x = 1\ny = " + "-" * 10_000 + "x\n",
    "10,000 unary plus": "x = 1\ny = " + "+" * 10_000 + "x\n",
    "10,000 minus on a number": "y = " + "-" * 10_000 + "1\n",
    "alternating -( 5,000 times": "x = 1\ny = " + "-(" * 5_000 + "x" + ")" * 5_000 + "\n",
    "(- 5,000 times": "x = 1\ny = " + "(-" * 5_000 + "x" + ")" * 5_000 + "\n",
    "x**-x**-... 5,000 times": "x = 1\ny = " + "x**-" * 5_000 + "x\n",
    "100,000 parentheses": "x = 1\ny = " + "(" * 100_000 + "x" + ")" * 100_000 + "\n",
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_bad_input_not_a_crash(text):
    err = refusal(text)  # a RecursionError would fail this test
    assert err.line == 2 or err.line == 1
    assert "nested too deeply" in err.message or "signs in a row" in err.message
    assert len(str(err).splitlines()) <= 5


# -- random text ----------------------------------------------------------------------------------------
TOKENS = ["x", "y", "w1", "b", "=", "+", "-", "*", "/", "**", "(", ")", ",", ";", "\n", "\n", " ", "1", "0",
          "2.5", "1e308", "1e-320", ".5", "3.", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin",
          "cos", "tan", "softplus", "square", "softmax", "const", "#", "'", "[", "]", ".", "^", "import", "lambda",
          "é", "\t", "\r\n", "\x00", "\ufeff", "p, q", "x = ", "y = ", "= x*"]


def _no_crash(text: str) -> None:
    try:
        program = parse_program(text)
    except BadInput as err:
        assert str(err)
        return
    try:  # a parsed program derives, or is refused as bad input (a domain error), nothing else
        build_trace(program)
        build_trace(atomize(program))
    except BadInput:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_never_crashes_the_parser(text):
    _no_crash(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_random_token_soup_never_crashes_the_parser(text):
    _no_crash(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(lambda ts: "x = 1.5\nw = 0.5\ny = " + "".join(ts)))
def test_random_right_hand_sides_never_crash(text):
    _no_crash(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=100))
def test_random_bytes_never_crash_the_parser(data):
    with contextlib.suppress(BadInput):
        parse_program(data)
