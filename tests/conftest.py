"""Fixtures shared by the core suites (tests/engine, tests/lang, tests/check, tests/cli)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tests.core_helpers import acceptance_dir


@pytest.fixture
def acceptance() -> Path:
    """The visible acceptance cases, vendored in tests/acceptance."""
    return acceptance_dir()


@pytest.fixture(autouse=True)
def _gc_back_on():
    """`cli.main` turns the garbage collector off for a headless run; a test process lives on."""
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _referee_in_this_process(request, monkeypatch):
    """Every front end's referee runs in this process (BACKPROP_TUI_REFEREE=inprocess:, one torch import
    for the whole session), except in tests marked `real_referee`, which start the real child process (and
    whose own subprocesses must not inherit the in-process address)."""
    from backprop_tui.check import client
    from backprop_tui.check.protocol import ENV

    if request.node.get_closest_marker("real_referee"):
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, "inprocess:")
    yield
    shared, client._SHARED = client._SHARED, None
    if shared is not None:
        shared.close()


@pytest.fixture
def fast_referee():
    """Kept for the tests that name it: the referee is in this process for every test not marked
    real_referee."""
    return None
