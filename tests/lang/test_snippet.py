"""The torch snippet dialect: the post's code accepted verbatim, and torch's refusals in torch's words
(compared with real torch running the same text). Random snippets: test_snippet_random.py; hostile and
malformed input: test_snippet_refused.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from backprop_tui.check.torch_snippet import torch_queries
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
from tests.lang.snippet_helpers import SEED_TEXT, ours, refusal, run_torch


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


# -- more of the dialect: long sums, query order, several lines, a BOM, no torch in the engine ------
def test_a_sum_of_10000_terms():
    terms = " + ".join(f"w*{i % 7}." for i in range(10_000))
    text = f"import torch\nw = torch.tensor(0.5, requires_grad=True)\ny = {terms}\n" \
           "g = torch.autograd.grad(y, [w])[0]\nprint(g)\n"
    program, _, run = ours(text)
    assert run.queries[0].value == sum(i % 7 for i in range(10_000))
    assert torch_queries(program)["g"] == run.queries[0].value


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


def test_a_byte_order_mark_is_not_an_error():
    assert parse_snippet("\ufeff" + SEED_TEXT).dialect == "torch"
