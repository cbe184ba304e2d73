"""Shared by the snippet suites (test_snippet*.py, tests/engine): the post's snippet verbatim, real torch
running a test's own snippet, and our parse, trace and run of the same text."""

from __future__ import annotations

import contextlib
import io

import pytest

from backprop_tui.engine.snippet_run import run_snippet
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import parse_program

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
