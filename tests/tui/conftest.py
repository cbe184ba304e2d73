"""Shared fixtures: no cursor blink, checkers the tests control, and an app factory."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from textual.widgets import Input, TextArea

from backprop_tui.check.figures import Figures, apply_check
from backprop_tui.engine.trace import Trace
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.presets import SEED_CHAIN


@pytest.fixture(autouse=True)
def no_blink(monkeypatch):
    """Cursor blink off (stable snapshots); the user's own environment out of the way."""
    monkeypatch.setattr(TextArea.cursor_blink, "_default", False)
    monkeypatch.setattr(Input.cursor_blink, "_default", False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)


def own_figures(trace: Trace) -> Figures:
    """A referee that says what the engine says: every step agrees."""
    locs = {(loc.of, loc.wrt): loc.value for loc in trace.locals}
    return Figures(dict(trace.values), dict(trace.grads), locs, dict(trace.grads), dict(locs))


def echo_checker(trace: Trace) -> Trace:
    return apply_check(trace, own_figures(trace))


def wrong_checker(trace: Trace) -> Trace:
    """Disagrees on the first input's gradient: the ✗ must show."""
    fig = own_figures(trace)
    first = trace.names[0]
    grads = dict(fig.grads)
    grads[first] = (grads[first] or 0.0) + 1.0
    return apply_check(trace, replace(fig, grads=grads))


class GatedChecker:
    """Answers only when the test opens the gate: the checker arriving late."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.calls = 0

    def __call__(self, trace: Trace) -> Trace:
        self.calls += 1
        self.gate.wait(10)
        return echo_checker(trace)


@pytest.fixture
def gated() -> GatedChecker:
    checker = GatedChecker()
    yield checker
    checker.gate.set()


@pytest.fixture
def make_app():
    def make(text: str = SEED_CHAIN, checker=echo_checker, **kw) -> BackpropApp:
        return BackpropApp(text, checker=checker, **kw)

    return make


async def settle(app: BackpropApp, pilot, timeout: float = 10.0) -> None:
    """Wait until the rebuild and the referee's answer are in."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    await pilot.pause()
    while not app.check_settled() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await pilot.pause()
