"""Shared by the snippet suites (test_snippet*.py, tests/engine): the post's snippet verbatim, real torch
running a test's own snippet, and our parse, trace and run of the same text."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from backprop_tui.engine.snippet_run import run_snippet
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import parse_program

# the post's snippet verbatim (vendored from ../shared/acceptance; tests/test_acceptance_copies.py checks)
SEED_TEXT = (Path(__file__).resolve().parent.parent / "acceptance" / "seed_snippet.py").read_text()


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
