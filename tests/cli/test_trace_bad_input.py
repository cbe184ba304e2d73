"""`backprop-tui trace` on bad input: exit status 2, one short message on stderr naming the line and
column, nothing on stdout, and nothing the program says is executed; every refusal the parser suite
lists, once more through the command line. The hostile inputs go through the real child-process referee.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core_helpers import WHERE, run, write
from tests.lang.test_chain_parser import BAD as PARSER_BAD
from tests.lang.test_chain_parser import DEEP


# -- exit 2: bad input ----------------------------------------------------------------------------------------
def assert_bad(r, where: tuple[int, int] | None = None, words: str = "") -> None:
    assert r.code == 2, (r.code, r.err)
    assert r.out == ""
    assert "Traceback" not in r.err
    assert r.err.startswith("backprop-tui: ")
    assert 1 <= len(r.err.strip().splitlines()) <= 5, r.err
    if where is not None:
        m = WHERE.search(r.err)
        assert m and (int(m[1]), int(m[2])) == where, r.err
    assert words in r.err, r.err


BAD = [
    ("x = 1\ny = x +\n", (2, 8), "operand is missing"),
    ("x = 1\ny = z*x\n", (2, 5), "before it is defined"),
    ("x = 1\nx = 2\n", (2, 1), "already assigned"),
    ("x = 1\ny = y*x\n", (2, 5), "own definition"),
    ("x = 1\ny = foo(x)\n", (2, 5), "unknown function"),
    ("x = 1\ny = tanh(x, x)\n", (2, 5), "takes 1 argument"),
    ("x = 'hello'\n", (1, 5), "strings"),
    ("x = [1]\n", (1, 5), "lists"),
    ("import os\n", (1, 1), "imports"),
    ("x = 1\ny = x.real\n", (2, 6), "attribute access"),
    ("x = 0\ny = 2/x\n", (2, 6), "division by zero"),
    ("x = 0\ny = log(x)\n", (2, 5), "log"),
    ("x = -1\ny = sqrt(x)\n", (2, 5), "sqrt"),
    ("x = 0\ny = sqrt(x)\n", (2, 5), "infinite derivative"),
    ("y = (-8)**0.5\n", (1, 9), "not a real number"),
    ("x = 1000\ny = exp(x)\n", (2, 5), "overflow"),
    ("y = 1e308*10\n", (1, 10), "overflow"),
    ("x = 1e-200\ny = 1/x\n", (2, 6), "inf"),
    ("x = nan\n", (1, 5), "nan"),
    ("x = 1\ny = " + "(" * 500 + "x" + ")" * 500 + "\n", (2, 105), "nested too deeply"),
    ("x = 1\ny = " + "-" * 10_000 + "x\n", (2, 105), "signs in a row"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(("text", "where", "words"), BAD, ids=[repr(b[0])[:30] for b in BAD])
def test_bad_input_exits_2(fast_referee, tmp_path, capsys, text, where, words):
    assert_bad(run(["trace", write(tmp_path, text), "--format", "json"], capsys), where, words)


def test_the_acceptance_bad_program_with_the_real_referee(tmp_path, capsys):
    for fmt in ("json", "text"):
        assert_bad(run(["trace", write(tmp_path, "y = x +"), "--format", fmt], capsys), (1, 8), "missing")


def test_non_utf8_bytes(fast_referee, tmp_path, capsys):
    assert_bad(run(["trace", write(tmp_path, b"x = 1\ny = \xff*x\n")], capsys), (2, 5), "UTF-8")


def test_missing_file_and_directory(fast_referee, tmp_path, capsys):
    assert_bad(run(["trace", str(tmp_path / "nope.bp")], capsys), None, "no such file")
    assert_bad(run(["trace", str(tmp_path)], capsys), None, "directory")


def test_unknown_of(fast_referee, tmp_path, capsys):
    assert_bad(run(["trace", write(tmp_path, "x = 1\ny = x\n"), "--of", "z"], capsys), None, "no variable")


def test_unknown_format_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        run(["trace", write(tmp_path, "x = 1\n"), "--format", "yaml"], capsys)
    assert info.value.code == 2


# -- nothing is executed -------------------------------------------------------------------------------------
HOSTILE = [
    "__import__('os').system('touch {p}')\n",
    "x = __import__('os').system('touch {p}')\n",
    "x = 1\ny = exec('open(\"{p}\", \"w\")')\n",
    "import os\nos.system('touch {p}')\n",
    "import torch\nimport os\nos.system('touch {p}')\n",
    "import torch\nx = torch.tensor(1.)\ny = __import__('os').system('touch {p}')\n",
    "x = 1\ny = x.__class__.__base__.__subclasses__()\n",
    "x = open\n",
    "x = breakpoint()\n",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_programs_are_refused_and_not_run(tmp_path, capsys, template):
    target = tmp_path / "pwned"
    program = template.format(p=target)
    r = run(["trace", write(tmp_path, program), "--format", "json"], capsys)
    assert_bad(r)
    assert not target.exists()
    assert not Path("/tmp/pwned").exists()


# every refusal the parser and engine suites list, once more through the command line


@pytest.mark.parametrize(("text", "line", "col", "words"), PARSER_BAD, ids=[repr(b[0])[:30] for b in PARSER_BAD])
def test_every_refusal_through_main(fast_referee, tmp_path, capsys, text, line, col, words):
    assert_bad(run(["trace", write(tmp_path, text), "--format", "json"], capsys), (line, col), words)


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_through_main(fast_referee, tmp_path, capsys, text):
    r = run(["trace", write(tmp_path, text), "--format", "text"], capsys)
    assert_bad(r)
    assert WHERE.search(r.err)
