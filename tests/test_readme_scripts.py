"""The README's PyTorch-script section: its example is the file in examples/, its excerpt the real output."""

from __future__ import annotations

import pytest

from tests.core_helpers import ROOT, run
from tests.test_readme import README, assert_excerpt, excerpt_after


def test_the_backward_twice_example_is_the_file() -> None:
    assert "```python\n" + (ROOT / "examples" / "backward_twice.py").read_text() + "```" in README


def test_the_script_trace_excerpt_is_the_real_output() -> None:
    r = run(["trace", "examples/backward_twice.py"])
    assert r.code == 0
    assert_excerpt(excerpt_after("backprop-tui trace examples/backward_twice.py"), r.out)


def test_the_sgd_example_runs_as_described() -> None:
    r = run(["trace", "examples/sgd_loop.py", "--format", "json"])
    assert r.code == 0 and len(r.doc["steps"]) == 79 and len(r.doc["passes"]) == 5
    assert "`examples/sgd_loop.py` is a manual SGD loop of 5 iterations" in README
    assert "| `j` | jump to a loop iteration" in README


def test_the_examples_are_the_snippets_real_torch_checks() -> None:
    """examples/ holds copies of two test snippets (tests/check/test_float32_snippets.py runs them in real
    torch and compares the printed lines): they must not drift apart."""
    for name in ("backward_twice.py", "sgd_loop.py"):
        assert (ROOT / "examples" / name).read_text() == (ROOT / "tests" / "snippets" / name).read_text()


@pytest.mark.parametrize(("example", "acceptance"), [("seed_mlp.py", "seed_mlp.py"), ("snippet.py", "seed_snippet.py")])
def test_the_posts_code_examples_are_the_acceptance_copies(example: str, acceptance: str) -> None:
    """examples/ holds the post's two code blocks as the acceptance cases hold them (tests/acceptance/)."""
    assert (ROOT / "examples" / example).read_text() == (ROOT / "tests" / "acceptance" / acceptance).read_text()
