"""The README's excerpts of output are the real output: each quoted line appears, in order, and lines quoted
together are consecutive (`...` stands for lines left out). Steps are numbered from 1 there as everywhere
a person reads them."""

from __future__ import annotations

import re

from tests.core_helpers import ROOT, run

README = (ROOT / "README.md").read_text(encoding="utf-8")
# figures that differ in the last bits between BLAS builds: masked on both sides
_MACHINE_FIGURES = re.compile(r"largest difference [0-9.e+-]+")


def excerpt_after(command: str) -> list[str]:
    """The lines the README shows right after `command`, up to the end of its code block or the next
    command."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("$ ").startswith(command))
    out = []
    for line in lines[start + 1:]:
        if line.startswith("```") or line.startswith("backprop-tui "):
            break
        out.append(line.rstrip())
    assert out, f"no excerpt after {command}"
    return out


def assert_excerpt(excerpt: list[str], real: str) -> None:
    got = [_MACHINE_FIGURES.sub("largest difference …", line.rstrip()) for line in real.splitlines()]
    groups: list[list[str]] = [[]]
    for line in excerpt:
        if line.strip() == "...":
            groups.append([])
        else:
            groups[-1].append(_MACHINE_FIGURES.sub("largest difference …", line))
    at = 0
    for group in (g for g in groups if g):
        for i in range(at, len(got) - len(group) + 1):
            if got[i:i + len(group)] == group:
                at = i + len(group)
                break
        else:
            raise AssertionError(f"README excerpt not in the real output, in order:\n{group}\n--- real:\n{real}")


def test_the_trace_excerpt_is_the_real_output(fast_referee) -> None:
    r = run(["trace", "examples/chain.bp"])
    assert r.code == 0
    excerpt = excerpt_after("backprop-tui trace examples/chain.bp")
    assert excerpt[0].startswith("examples/chain.bp: output y2")
    assert any(line.startswith("  [ 1] x = 1") for line in excerpt)  # counted from 1
    assert_excerpt(excerpt, r.out)


def test_the_train_excerpt_is_the_real_output() -> None:
    r = run(["train", "examples/mlp-seed.toml", "--epochs", "1000", "--log-every", "100"])
    assert r.code == 0
    assert_excerpt(excerpt_after("backprop-tui train examples/mlp-seed.toml --epochs 1000 --log-every 100"), r.out)


def test_the_json_index_is_documented_as_counting_from_0(fast_referee) -> None:
    doc = run(["trace", "examples/chain.bp", "--format", "json"]).doc
    assert [s["index"] for s in doc["steps"]][:3] == [0, 1, 2]
    assert "index counts from 0" in README
