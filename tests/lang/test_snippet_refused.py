"""Hostile and malformed snippets: refused with a line and column, never run, never a crash (deep
nesting, long texts, random text), and no warning on stderr."""

from __future__ import annotations

import builtins
import contextlib
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.engine.snippet_run import run_snippet
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import parse_program
from backprop_tui.lang.snippet import parse_snippet
from tests.lang.snippet_helpers import refusal

# -- hostile and malformed input: refused, with line and column, never run ----------------------------
HOSTILE = [
    ("import torch\nx = __import__('os')\n", 2, 5),
    ("import torch\nx = open('/tmp/backprop_tui_pwned', 'w')\n", 2, 5),
    ("import torch\nx = torch.load('model.pt')\n", 2, 5),
    ("import torch\nx = torch.tensor(1.)\ny = x.__class__.__bases__\n", 3, 5),
    ("import torch\nx = torch.tensor(1.)\ny = x + 'a'\n", 3, 9),
    ("import torch\nf = lambda: 1\n", 2, 5),
    ("import torch\nexec('import os')\n", 2, 1),
    ("import torch\neval('1')\n", 2, 1),
    ("import os\nimport torch\n", 1, 1),
    ("import torch\nfrom os import system\n", 2, 1),
    ("import torch\nx = [i for i in range(3)]\n", 2, 5),
    ("import torch\nx = torch.tensor(1.)\ny = x.grad\n", 3, 5),
    ("import torch\nx = torch.tensor(1., requires_grad=True)\ny = x.exp().__self__\n", 3, 5),
    ('"""doc"""\nimport torch\n', 1, 1),
    ("import torch\nx = torch.tensor(1.)\ny = torch.nn.Linear(1, 1)\n", 3, 5),
    ("import torch\nx = torch.tensor(1.)\ny = x[0]\n", 3, 5),
    ("import torch\nx = torch.tensor(1.)\nprint(x.__dict__)\n", 3, 7),
    ("import torch\nx = torch.tensor(1.)\nwith open('f') as f:\n    pass\n", 3, 1),
    ("import torch\ndef f():\n    return 1\n", 2, 1),
    ("import torch\nx = torch.tensor(1.)\ny = getattr(x, 'exp')()\n", 3, 5),
    ("import torch\nx = torch.tensor(1.)\ny = torch.tensor(1.).exp()\n", 3, 5),
    ("import torch\nx = torch.tensor(f'{1}')\n", 2, 18),
]


@pytest.mark.parametrize(("source", "line", "col"), HOSTILE)
def test_hostile_input_is_refused_unrun(source, line, col, monkeypatch, tmp_path):
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser ran user code")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    err = refusal(source)
    assert (err.line, err.col) == (line, col), str(err)
    assert len(str(err).splitlines()) <= 5
    assert not Path("/tmp/backprop_tui_pwned").exists()


BAD = [
    ("import torch\nx = torch.tensor(1.)\ny = x +\n", 3, 8, "syntax"),
    ("import torch\nx = torch.tensor(1)\n", 2, 18, "integer"),
    ("import torch\nx = torch.tensor(1.)\nx = torch.tensor(2.)\n", 3, 1, "already assigned"),
    ("import torch\ny = x * 2\nx = torch.tensor(1.)\n", 2, 5, "before it is defined"),
    ("import torch\ny = z * 2\n", 2, 5, "not defined"),
    ("import torch\nx = torch.tensor(1.)\ny = x\n", 3, 5, "same tensor"),
    ("import torch\nx = torch.tensor(1.)\ny = 2 * 3\n", 3, 5, "Python number"),
    ("import torch\nx = torch.tensor(1.)\ny = x // 2\n", 3, 7, "operator `//`"),
    ("import torch\nx = torch.tensor(1.)\ny = torch.exp(2.)\n", 3, 5, "needs a tensor"),
    ("import torch\nx = torch.tensor(1.)\ny = torch.exp(x, x)\n", 3, 5, "takes one tensor"),
    ("import torch\nx = torch.tensor(1., requires_grad=True)\ng = torch.autograd.grad(x, [x])\n", 3, 5,
     "tuple"),
    ("import torch\nx = torch.tensor(1., requires_grad=True)\ng = torch.autograd.grad(x, [x])[1]\n", 3, 33,
     "out of range"),
    ("import torch\nx = torch.tensor(1., requires_grad=True)\ng = torch.autograd.grad(x, [x], create_graph=True)[0]\n",
     3, 46, "not supported"),
    ("import torch\nx = torch.tensor(1.)\ny = x * 2\ny += 1\n", 4, 1, "single-assignment"),
    ("import torch\nx = torch.tensor(1.)\nprint(x * 2)\n", 3, 7, "print takes a name"),
    ("import torch\nx = torch.tensor(1.)\ny = x / 0\n", 3, 7, "division by zero"),
    ("import torch\nx = torch.tensor(-1.)\ny = torch.log(x)\n", 3, 5, "log"),
    ("import torch\n", None, None, "no tensors"),
    ("import torch\nx = torch.tensor(1.)\ny = x * 2\ny.backward()\n", 4, 1, ".backward()"),
    ("import torch\nx = torch.tensor(1.)\ny = print\n", 3, 5, "not defined"),
    ("import torch\ntorch = torch.tensor(1.)\n", 2, 1, "imported"),
    ("x = torch.tensor(1.)\n", 1, 5, "not imported"),
]


@pytest.mark.parametrize(("source", "line", "col", "words"), BAD)
def test_bad_snippets_name_line_and_column(source, line, col, words):
    with pytest.raises(BadInput) as info:
        build_trace(parse_program(source))
    err = info.value
    assert words in err.message
    assert (err.line, err.col) == (line, col), str(err)


def test_deep_nesting_is_an_error_not_a_crash():
    for text in ["import torch\nx = torch.tensor(1.)\ny = " + "(" * 300 + "x" + ")" * 300 + "\n",
                 "import torch\nx = torch.tensor(1.)\ny = " + "-" * 100_000 + "x\n",
                 "import torch\nx = torch.tensor(1.)\ny = " + "x**" * 5000 + "x\n",
                 "import torch\nx = torch.tensor(1.)\ny = " + "torch.exp(" * 1000 + "x" + ")" * 1000 + "\n"]:
        with pytest.raises(BadInput) as info:
            parse_snippet(text)
        assert "nested" in info.value.message or "syntax" in info.value.message


TOKENS = [*"xyw12.()+-*/= \n[],_#'\"", "torch.", "tensor", "grad", "print", "import torch\n", "exp", "F.",
          "requires_grad=True", "autograd", "[0]", "retain_graph=True", "__", "lambda", "**", ":"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_random_text_never_crashes(text):
    try:
        program = parse_snippet("import torch\n" + text)
    except BadInput as err:
        assert str(err)
        return
    with contextlib.suppress(BadInput):
        run_snippet(build_trace(program))


def test_columns_count_characters_not_bytes():
    err = refusal("import torch\nx = torch.tensor(1.)  # é\ny = 'é' + x\n")
    assert (err.line, err.col) == (3, 5)
    err = refusal("import torch\nx = torch.tensor(1.)\ny = x + 'é'\n")
    assert (err.line, err.col) == (3, 9)


def test_long_texts_parse_in_a_big_stack_and_restore_the_recursion_limit():
    limit = sys.getrecursionlimit()
    padding = "# " + "-" * 5000 + "\n"
    bad = "import torch\n" + padding + "x = torch.tensor(1.)\ny = x +\n"
    with pytest.raises(BadInput) as info:
        parse_snippet(bad)
    assert (info.value.line, info.value.col) == (4, 8)
    deep = "import torch\nx = torch.tensor(1.)\ny = " + "-" * 100_000 + "x\n"
    with pytest.raises(BadInput):
        parse_snippet(deep)
    good = "import torch\n" + padding + "x = torch.tensor(1., requires_grad=True)\ny = x*2\n"
    assert parse_snippet(good).output == "y"
    assert sys.getrecursionlimit() == limit


def test_no_warnings_reach_stderr(capfd):
    with pytest.raises(BadInput):
        parse_snippet("import torch\nx = torch.tensor(1.)\ny = 1 is 1\n")
    assert capfd.readouterr().err == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_after_import_torch_never_crashes(text):
    with contextlib.suppress(BadInput):
        run_snippet(build_trace(parse_snippet("import torch\n" + text)))
