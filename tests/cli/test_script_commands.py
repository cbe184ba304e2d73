"""The commands on a PyTorch script: what applies to a chain only is refused by name (exit 2), never a wrong
document."""

from __future__ import annotations

import pytest

from tests.core_helpers import run

SGD = "examples/sgd_loop.py"


@pytest.mark.parametrize(("argv", "words"), [
    (["trace", SGD, "--atomic"], "the gate level (--atomic)"),
    (["trace", SGD, "--of", "w"], "--of applies to a snippet without backward()"),
    (["trace", SGD, "--format", "latex"], "worksheets are made from a chain"),
    (["trace", SGD, "--format", "markdown", "--worksheet"], "worksheets are made from a chain"),
    (["export", SGD], "it is torch code already"),
    (["train", SGD], "this file defines no model"),
])
def test_what_a_script_is_not_for_is_named(argv, words):
    r = run(argv)
    assert r.code == 2 and words in r.err and "Traceback" not in r.err


def test_a_bad_script_exits_2_with_line_and_column(tmp_path):
    path = tmp_path / "twice.py"
    path.write_text("import torch\nx = torch.tensor(2., requires_grad=True)\ny = x * x\ny.backward()\ny.backward()\n")
    r = run(["trace", str(path)])
    assert r.code == 2 and "line 5, column 1: torch refuses y.backward(): RuntimeError: Trying to backward" in r.err
