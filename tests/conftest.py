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


@pytest.fixture
def fast_referee(monkeypatch):
    """The torch referee in this process instead of a child (one torch import for the whole session)."""
    from tests.core_helpers import InProcessReferee

    monkeypatch.setattr("backprop_tui.check.remote.Referee", InProcessReferee)
    return InProcessReferee
