"""The backward idiom in the snippet dialect: where torch raises, the same message at the offending line
(each compared with real torch running the same test-authored text); where torch only warns, what torch
does; the iteration named where a loop's later iteration fails; and the scripts' events as read."""

from __future__ import annotations

import contextlib
import io
import warnings

import pytest

from backprop_tui.errors import BadInput
from backprop_tui.lang.load import parse_program
from backprop_tui.lang.script import Backward, Compute, Reset, ScriptProgram, Update
from backprop_tui.lang.snippet import TORCH_TWICE
from backprop_tui.lang.snippet_grads import (
    TORCH_INPLACE_LEAF,
    TORCH_NON_SCALAR,
    TORCH_NONLEAF_GRAD,
    TORCH_VERSION,
)

HEAD = "import torch\nx = torch.tensor(1.5, requires_grad=True)\n"


def real_torch(source: str) -> tuple[str, str | None, list[str]]:
    """Run test-authored text with real torch: (stdout, the error's message, the warnings' messages). The
    tool itself never runs what it reads."""
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(source, "<test snippet>", "exec"), {"__name__": "snippet"})
        except (RuntimeError, TypeError, AttributeError) as err:
            error = str(err)
    return out.getvalue(), error, [str(w.message) for w in caught]


def refusal(source: str) -> BadInput:
    with pytest.raises(BadInput) as info:
        parse_program(source)
    return info.value


# -- where torch raises: its message, at the line ---------------------------------------------------------
RAISES = [
    # a second backward through a graph the first one freed
    (HEAD + "y = x * x\ny.backward()\nprint(x.grad)\ny.backward()\n", 6, 1, TORCH_TWICE),
    # ... in a loop: the graph of iteration 0 reused in iteration 1
    (HEAD + "y = x * x\nfor i in range(3):\n    y.backward()\n", 5, 5, TORCH_TWICE),
    # a backward on a non-scalar
    ("import torch\nv = torch.tensor([1., 2., 3.], requires_grad=True)\ny = v * 2\ny.backward()\n", 4, 1,
     TORCH_NON_SCALAR),
    # a backward on a tensor that needs no gradient
    ("import torch\nc = torch.tensor(2.)\ny = c * 3\ny.backward()\n", 4, 1,
     "element 0 of tensors does not require grad and does not have a grad_fn"),
    # an in-place update of a leaf that requires grad, outside torch.no_grad()
    (HEAD + "y = x * 2\ny.backward()\nx -= 0.1 * x.grad\n", 5, 1, TORCH_INPLACE_LEAF),
    # a backward through a graph that saved x, after x was updated in place
    (HEAD + "y = x * x\nwith torch.no_grad():\n    x -= 0.1\ny.backward()\n", 6, 1,
     TORCH_VERSION.format(kind="Float", now=1, then=0)),
]


@pytest.mark.parametrize(("source", "line", "col", "message"), RAISES)
def test_torch_errors_are_reproduced_at_the_line(source, line, col, message):
    _, real, _ = real_torch(source)
    assert real == message  # the message is torch 2.13's own
    err = refusal(source)
    assert (err.line, err.col) == (line, col), str(err)
    assert message in err.message and err.message.startswith("torch refuses")


def test_the_iteration_that_fails_is_named():
    err = refusal(HEAD + "y = x * x\nfor i in range(3):\n    y.backward()\n")
    assert "(in the iteration i = 1)" in err.message


def test_rebinding_a_parameter_under_no_grad_is_explained():
    err = refusal("import torch\nw = torch.tensor(0.5, requires_grad=True)\nloss = (w * 2) ** 2\nloss.backward()\n"
                  "with torch.no_grad():\n    w = w - 0.1 * w.grad\n")
    assert (err.line, err.col) == (6, 5) and "w -= ..." in err.message and "needs no gradient" in err.message


@pytest.mark.parametrize(("source", "python_error", "line"), [
    (HEAD + "x.grad.zero_()\n", "'NoneType' object has no attribute 'zero_'", 3),
    (HEAD + "print(x.grad.item())\n", "'NoneType' object has no attribute 'item'", 3),
    (HEAD + "y = x * 2\nz = 0.1 * x.grad\n", "unsupported operand type(s) for *: 'float' and 'NoneType'", 4),
])
def test_python_errors_on_a_none_grad_are_named(source, python_error, line):
    _, real, _ = real_torch(source)
    assert real == python_error
    err = refusal(source)
    assert err.line == line and "None here" in err.message
    assert python_error.split(" for ")[0] in err.message


# -- where torch warns: what torch does -------------------------------------------------------------------
def test_grad_of_a_non_leaf_is_none_with_torchs_warning():
    source = HEAD + "h = x * 3\ny = h * h\ny.backward()\nprint(h.grad)\n"
    stdout, error, caught = real_torch(source)
    assert (stdout, error) == ("None\n", None)
    assert caught[0].startswith(TORCH_NONLEAF_GRAD)  # torch adds where it was triggered, in its own build
    program = parse_program(source)
    assert isinstance(program, ScriptProgram)
    (warning,) = program.torch_warnings
    assert (warning.category, warning.message, warning.at.line, warning.at.col) == ("UserWarning",
                                                                                   TORCH_NONLEAF_GRAD, 6, 7)


# -- what is read -----------------------------------------------------------------------------------------
def test_a_loop_is_unrolled_with_a_version_per_iteration():
    program = parse_program("import torch\nw = torch.tensor(0.5, requires_grad=True)\nsteps = 3\nlr = 0.1\n"
                            "for k in range(1, steps + 1):\n    loss = (w - 2) ** 2\n    loss.backward()\n"
                            "    with torch.no_grad():\n        w -= lr * w.grad\n    w.grad = None\n")
    assert isinstance(program, ScriptProgram)
    assert [e.assignment.name for e in program.script if isinstance(e, Compute)] == ["loss@1", "loss@2", "loss@3"]
    assert [(e.number, e.at.iteration) for e in program.script if isinstance(e, Backward)] == [(1, 1), (2, 2), (3, 3)]
    update = next(e for e in program.script if isinstance(e, Update))
    assert update.source == "w -= lr * w.grad"
    assert [e.to_none for e in program.script if isinstance(e, Reset)] == [True] * 3
    assert program.loops == (("k", 5, 3),)


def test_the_loop_cap_is_the_budget_tables():
    from backprop_tui import limits

    cap = limits.LOOP_ITERATIONS
    err = refusal(f"import torch\nw = torch.tensor(1., requires_grad=True)\nfor i in range({cap + 1}):\n    y = w\n")
    assert "LOOP_ITERATIONS" in err.message and (err.line, err.col) == (3, 1)
    n = "import torch\nw = torch.tensor(1., requires_grad=True)\nn = 20000\nfor i in range(n):\n    y = w * 2\n"
    assert "LOOP_ITERATIONS" in refusal(n).message


@pytest.mark.parametrize(("source", "words", "line"), [
    (HEAD + "for i in range(2):\n    for j in range(2):\n        y = x * 2\n", "loop inside a loop", 4),
    (HEAD + "for i in [1, 2]:\n    y = x * 2\n", "range(...)", 3),
    (HEAD + "for i in range(2.5):\n    y = x * 2\n", "whole numbers", 3),
    (HEAD + "with torch.enable_grad():\n    y = x * 2\n", "torch.no_grad()", 3),
    (HEAD + "y = x * 2\ny.backward(torch.tensor(1.))\n", "no gradient argument", 4),
    (HEAD + "lr = 0.1\nlr = x * 2\n", "Python number", 4),
    (HEAD + "y = x * 2\nv = y.item()\n", "inside print", 4),
    (HEAD + "print(x, sep=',')\n", "sep=", 3),
    (HEAD + "print(f'{x!r}')\n", "conversions", 3),
    (HEAD + "print(f'{x:{3}}')\n", "nested fields", 3),
    ("import torch\nv = torch.tensor([1., 2.])\nprint(v)\n", "only scalar tensors", 3),
    ("import torch\nv = torch.tensor([1., 2.])\n", "only scalar tensors", 2),
    (HEAD + "y = x * 2\nx.requires_grad_(False)\n", "before x is used", 4),
    (HEAD + "for i in range(2):\n    y = x * i\nfor i in range(2):\n    y = x * 3\n", "earlier loop", 6),
])
def test_what_the_dialect_does_not_follow_is_named(source, words, line):
    err = refusal(source)
    assert words in err.message and err.line == line, str(err)


def test_number_variables_and_the_loop_variable_are_folded():
    program = parse_program(HEAD + "lr = 0.5\nlr = lr * 2\nfor i in range(2):\n    y = x * lr + i\n")
    ys = [e.assignment for e in program.script if isinstance(e, Compute)]  # type: ignore[attr-defined]
    assert [a.name for a in ys] == ["y@0", "y@1"]
    assert [a.expr.args[1].value for a in ys] == [0.0, 1.0]
    assert ys[0].expr.args[0].args[1].value == 1.0
