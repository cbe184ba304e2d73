"""The torch snippet dialect: the post's code accepted verbatim, torch's refusals in torch's words
(compared with real torch running the same text), and hostile input refused without running it."""

from __future__ import annotations

import builtins
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_tui.check.torch_snippet import torch_queries
from backprop_tui.engine.snippet_run import run_snippet
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import parse_program
from backprop_tui.lang.snippet import (
    TORCH_OF_NO_GRAD,
    TORCH_TWICE,
    TORCH_UNUSED,
    TORCH_WRT_NO_GRAD,
    parse_snippet,
)

# ../shared/acceptance/seed_snippet.py, verbatim (the file itself is read where it exists: `acceptance`)
SEED_TEXT = """import torch
# import torch.autograd
x =torch.tensor(1.)
w1 = torch.tensor(2.,requires_grad=True)
b1 = torch.tensor(1.)
w2 = torch.tensor(2.,requires_grad=True)
b2 = torch.tensor(1.)

y1 = x*w1+b1
y2 = y1*w2+b2

dy2_dy1 = torch.autograd.grad(y2,[y1],retain_graph=True)[0]
dy1_dw1 = torch.autograd.grad(y1,[w1],retain_graph=True)[0]

dy2_dw1 = torch.autograd.grad(y2,[w1],retain_graph=True)[0]

print(dy2_dy1)
print(dy1_dw1)
print(dy2_dw1)
"""


def run_torch(source: str) -> tuple[list[str], str | None]:
    """Run a snippet written by these tests with real torch: its printed lines and torch's error, if any.
    (Test-authored text only; the tool itself never runs what it reads.)"""
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(source, "<test snippet>", "exec"), {"__name__": "snippet"})
        except (RuntimeError, IndexError) as err:
            error = str(err)
    return out.getvalue().splitlines(), error


def ours(source: str, output: str | None = None):
    program = parse_program(source, output)
    trace = build_trace(program)
    return program, trace, run_snippet(trace)


def refusal(source: str) -> BadInput:
    with pytest.raises(BadInput) as info:
        parse_program(source)
    return info.value


# -- the post's snippet ------------------------------------------------------------------------------
def test_seed_copy_is_verbatim(acceptance):
    assert (acceptance / "seed_snippet.py").read_text() == SEED_TEXT


@pytest.mark.parametrize("from_file", [True, False])
def test_seed_snippet_verbatim(from_file, request):
    text = (request.getfixturevalue("acceptance") / "seed_snippet.py").read_bytes() if from_file else SEED_TEXT
    program, trace, run = ours(text)
    assert program.dialect == "torch"
    assert [(q.label, q.of, q.wrt, q.value) for q in run.queries] == [
        ("dy2_dy1", "y2", "y1", 2.0), ("dy1_dw1", "y1", "w1", 1.0), ("dy2_dw1", "y2", "w1", 2.0)]
    assert run.printed == ["tensor(2.)", "tensor(1.)", "tensor(2.)"]
    for constant in ("x", "b1", "b2"):
        assert trace.grads[constant] is None
        assert program.get(constant).constant
    assert program.output == "y2"
    assert trace.values["y1"] == 3.0 and trace.values["y2"] == 7.0
    assert torch_queries(program) == {"dy2_dy1": 2.0, "dy1_dw1": 1.0, "dy2_dw1": 2.0}
    assert [(q.line, q.col) for q in program.queries] == [(12, 1), (13, 1), (15, 1)]
    assert [(p.name, p.line, p.col) for p in program.prints] == [("dy2_dy1", 17, 1), ("dy1_dw1", 18, 1),
                                                                 ("dy2_dw1", 19, 1)]
    assert [e for e, _ in program.events] == ["query"] * 3 + ["print"] * 3


def test_seed_snippet_prints_what_torch_prints(acceptance):
    seed = acceptance / "seed_snippet.py"
    real = subprocess.run([sys.executable, str(seed)], capture_output=True, text=True, check=True, timeout=120)
    _, _, run = ours(seed.read_text())
    assert run.printed == real.stdout.splitlines() == ["tensor(2.)", "tensor(1.)", "tensor(2.)"]


def test_output_is_last_computed_tensor_unless_given():
    text = "import torch\nx = torch.tensor(2., requires_grad=True)\ny = x*3\nz = y+1\nc = torch.tensor(5.)\n"
    assert parse_snippet(text).output == "z"
    assert parse_snippet(text, "y").output == "y"
    with pytest.raises(BadInput):
        parse_snippet(text, "nope")


# -- torch's refusals, compared with torch running the same text -------------------------------------
REFUSALS = [
    # (snippet, torch's reason, line, column of what is pointed at)
    ("import torch\nx = torch.tensor(1.)\nw = torch.tensor(2., requires_grad=True)\ny = x*w\n"
     "g = torch.autograd.grad(y, [x])[0]\n", TORCH_WRT_NO_GRAD, 5, 29),
    ("import torch\nx = torch.tensor(1.)\nc = torch.tensor(2.)\ny = x*c\n"
     "g = torch.autograd.grad(y, [x])[0]\n", TORCH_OF_NO_GRAD, 5, 25),
    ("import torch\nx = torch.tensor(1., requires_grad=True)\nu = torch.tensor(2., requires_grad=True)\n"
     "y = x*3\ng = torch.autograd.grad(y, [u])[0]\n", TORCH_UNUSED.format(index=0), 5, 29),
    ("import torch\nx = torch.tensor(1., requires_grad=True)\nu = torch.tensor(2., requires_grad=True)\n"
     "y = x*3\ng = torch.autograd.grad(y, [x, u])[0]\n", TORCH_UNUSED.format(index=1), 5, 32),
    ("import torch\nx = torch.tensor(1., requires_grad=True)\ny = x*3\n"
     "g = torch.autograd.grad(y, [x])[0]\nh = torch.autograd.grad(y, [x])[0]\n", TORCH_TWICE, 5, 5),
    ("import torch\nx = torch.tensor(1., requires_grad=True)\nw = torch.tensor(3., requires_grad=True)\n"
     "y1 = x*w\ny2 = y1*w\ng = torch.autograd.grad(y2, [w])[0]\nh = torch.autograd.grad(y1, [x])[0]\n",
     TORCH_TWICE, 7, 5),
    # a query on a query's result: a gradient does not require grad
    ("import torch\nx = torch.tensor(1., requires_grad=True)\ny = x*x\n"
     "g = torch.autograd.grad(y, [x], retain_graph=True)[0]\nh = torch.autograd.grad(g, [x])[0]\n",
     TORCH_OF_NO_GRAD, 5, 25),
]


@pytest.mark.parametrize(("source", "reason", "line", "col"), REFUSALS)
def test_refusals_in_torchs_words(source, reason, line, col):
    _, real = run_torch(source)
    assert real == reason  # the constant is torch's text, word for word
    err = refusal(source)
    assert f"RuntimeError: {real}" in err.message
    assert (err.line, err.col) == (line, col)
    assert err.source == source.split("\n")[line - 1]


ACCEPTED = [
    # allow_unused=True: the unused input's answer is None, printed as torch prints None
    "import torch\nx = torch.tensor(1., requires_grad=True)\nu = torch.tensor(2., requires_grad=True)\n"
    "y = x*3\ng = torch.autograd.grad(y, [u], allow_unused=True)[0]\nprint(g)\nprint(y)\n",
    # a query that stops at y1 does not run (so does not free) y1's own graph
    "import torch\nx = torch.tensor(2., requires_grad=True)\nw = torch.tensor(3., requires_grad=True)\n"
    "y1 = x*w\ny2 = y1*w\ng = torch.autograd.grad(y2, [y1])[0]\nh = torch.autograd.grad(y1, [x])[0]\n"
    "print(g)\nprint(h)\n",
    # freeing nodes that saved nothing (+, -, unary minus) is harmless
    "import torch\nx = torch.tensor(2., requires_grad=True)\ny = -x + 1 - x\n"
    "g = torch.autograd.grad(y, [x])[0]\nh = torch.autograd.grad(y, [x])[0]\nprint(h)\nprint(y)\n",
    # a leaf with respect to itself
    "import torch\nx = torch.tensor(2., requires_grad=True)\ny = x*x\n"
    "g = torch.autograd.grad(x, [x])[0]\nk = torch.autograd.grad(y, [y])[0]\nprint(g)\nprint(k)\nprint(x)\n",
    # several inputs, an index, keywords and a tuple
    "import torch\nfrom torch.autograd import grad\nx = torch.tensor(2., requires_grad=True)\n"
    "w = torch.tensor(0.5, requires_grad=True)\ny = torch.exp(x*w) / w\n"
    "g = grad(outputs=[y], inputs=(x, w), retain_graph=True)[1]\nh = grad(y, [x, w])[-2]\nprint(g)\nprint(h)\n"
    "print(y)\n",
    # float64 leaves, methods and torch.nn.functional
    "import torch\nimport torch.nn.functional as F\nx = torch.tensor(0.3, requires_grad=True, dtype=torch.float64)\n"
    "w = torch.tensor(-1.25, requires_grad=True)\ny = F.softplus(x*w).tanh() + w.sigmoid()\n"
    "g = torch.autograd.grad(y, [x])[0]\nprint(x)\nprint(w)\nprint(y)\nprint(g)\n",
]


@pytest.mark.parametrize("source", ACCEPTED)
def test_accepted_snippets_print_what_torch_prints(source):
    printed, error = run_torch(source)
    assert error is None
    program, _, run = ours(source)
    assert run.printed == printed
    answers = torch_queries(program)
    for q in run.queries:
        want = answers[q.label]
        assert (q.value is None) == (want is None)
        if want is not None:
            assert q.value == pytest.approx(want, rel=1e-12, abs=1e-12)


# -- random snippets: structure (refusals, freeing) and printing against torch ----------------------
@st.composite
def snippets(draw, graph_focus: bool = False, functions: bool = False):
    """Random snippets; with graph_focus, gradients everywhere and few retain_graph: freeing is exercised;
    with functions, elementwise torch functions too (their prints are not exact, so not compared)."""
    lines = ["import torch"]
    names: list[str] = []
    n_leaves = draw(st.integers(1, 4))
    for i in range(n_leaves):
        value = draw(st.integers(-3, 3))
        rg = True if graph_focus and i < 2 else draw(st.booleans())
        lines.append(f"x{i} = torch.tensor({value}.{', requires_grad=True' if rg else ''})")
        names.append(f"x{i}")
    n_ops = draw(st.integers(1, 6))
    for i in range(n_ops):
        a = names[-1] if graph_focus and draw(st.booleans()) else draw(st.sampled_from(names))
        b = draw(st.sampled_from([*names, "2", "1"]))
        form = draw(st.sampled_from(["{a} + {b}", "{a} - {b}", "{b} - {a}", "{a} * {b}", "-{a}", "{a} ** 2",
                                     "torch.square({a})", "{a} * {b} + {a}", "({a} - {b}) * {b}",
                                     *(["torch.exp({a})", "torch.tanh({a}) * {b}", "{a}.sigmoid() + {b}",
                                        "torch.relu({a} - {b})", "torch.sin({a}) - torch.cos({t})",
                                        "torch.abs({a})"] if functions else [])]))
        lines.append(f"y{i} = " + form.format(a=a, b=b, t=draw(st.sampled_from(names))))
        names.append(f"y{i}")
    n_queries = draw(st.integers(1, 4))
    computed = names[n_leaves:]
    for i in range(n_queries):
        of = draw(st.sampled_from(computed if graph_focus else names))
        wrt = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2))
        opts = ""
        if draw(st.integers(0, 3)) == 0 if graph_focus else draw(st.booleans()):
            opts += ", retain_graph=True"
        if graph_focus or draw(st.booleans()):
            opts += ", allow_unused=True"
        lines.append(f"q{i} = torch.autograd.grad({of}, [{', '.join(wrt)}]{opts})[0]")
        lines.append(f"print(q{i})")
    lines.append(f"print({draw(st.sampled_from(names))})")
    return "\n".join(lines) + "\n"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(snippets(), snippets(graph_focus=True)))
def test_random_snippets_agree_with_torch(source):
    printed, error = run_torch(source)
    try:
        _, trace, run = ours(source)
    except BadInput as err:
        assert error is not None, f"torch accepts what we refused: {err}"
        assert f"RuntimeError: {error}" in err.message
        return
    assert error is None, f"torch refuses ({error}) what we accepted"
    assume(all(abs(v) < 1e6 for v in trace.values.values()))
    assert run.printed == printed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snippets(graph_focus=True, functions=True))
def test_random_snippets_with_functions_refuse_and_answer_as_torch(source):
    _, error = run_torch(source)
    try:
        program = parse_program(source)
    except BadInput as err:
        assert error is not None, f"torch accepts what we refused: {err}"
        assert f"RuntimeError: {error}" in err.message
        return
    assert error is None, f"torch refuses ({error}) what we accepted"
    try:
        run = run_snippet(build_trace(program))
    except BadInput:  # overflow: torch goes on with inf, the engine stops
        assume(False)
    theirs = torch_queries(program)
    for q in run.queries:
        assert (q.value is None) == (theirs[q.label] is None)
        if q.value is not None:
            assert q.value == pytest.approx(theirs[q.label], rel=1e-9, abs=1e-12)


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


def test_a_sum_of_10000_terms():
    terms = " + ".join(f"w*{i % 7}." for i in range(10_000))
    text = f"import torch\nw = torch.tensor(0.5, requires_grad=True)\ny = {terms}\n" \
           "g = torch.autograd.grad(y, [w])[0]\nprint(g)\n"
    program, _, run = ours(text)
    assert run.queries[0].value == sum(i % 7 for i in range(10_000))
    assert torch_queries(program)["g"] == run.queries[0].value


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


def test_query_ordering_matches_torch_for_constant_of_and_constant_wrt():
    source = ("import torch\nx = torch.tensor(1.)\nc = torch.tensor(2.)\ny = x*c\n"
              "g = torch.autograd.grad(y, [x])[0]\n")
    _, real = run_torch(source)
    assert real == TORCH_OF_NO_GRAD  # of is checked before the inputs, in torch and here
    assert TORCH_OF_NO_GRAD in refusal(source).message


def test_torch_module_not_required_by_the_engine():
    code = ("import sys\nfrom backprop_tui.lang.load import parse_program\nfrom backprop_tui.engine.trace import "
            "build_trace\nfrom backprop_tui.engine.snippet_run import run_snippet\n"
            f"run_snippet(build_trace(parse_program({SEED_TEXT!r})))\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_torch_is_available_for_these_tests():
    assert torch.__version__.startswith("2.")


def test_a_chain_program_whose_comment_mentions_torch_stays_a_chain_program():
    program = parse_program("# the post checks this with torch.autograd.grad\nx = 2\ny = x*x\n")
    assert program.dialect == "chain"
    assert parse_program(SEED_TEXT).dialect == "torch"


def test_statements_over_several_lines_and_on_one_line():
    source = ("import torch\nx = torch.tensor(2., requires_grad=True); w = torch.tensor(3., requires_grad=True)\n"
              "y = (x *\n     w + 1)\ng = torch.autograd.grad(\n    y, [x])[0]\nprint(g); print(y)\n")
    printed, error = run_torch(source)
    assert error is None
    program, _, run = ours(source)
    assert run.printed == printed == ["tensor(3.)", "tensor(7., grad_fn=<AddBackward0>)"]
    assert [(q.line, q.col) for q in program.queries] == [(5, 1)]
    with pytest.raises(BadInput) as info:
        build_trace(parse_program(source.replace("w + 1)", "w / 0)")))
    assert (info.value.line, info.value.col) == (4, 8)


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


def test_a_byte_order_mark_is_not_an_error():
    assert parse_snippet("\ufeff" + SEED_TEXT).dialect == "torch"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_after_import_torch_never_crashes(text):
    with contextlib.suppress(BadInput):
        run_snippet(build_trace(parse_snippet("import torch\n" + text)))
