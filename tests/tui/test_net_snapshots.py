"""Snapshots of the network screen (update with --snapshot-update, then look at each as a PNG).

Deterministic: the referee echoes the engine (tests.network.helpers), and each snapshot waits until the
screen has settled (checks in, training finished)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from backprop_tui.quiz import ALL
from backprop_tui.tui.app import BackpropApp
from tests.network.helpers import echo_epoch, echo_trace
from tests.tui.conftest import echo_checker

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def network_app(name: str, quiz: frozenset[str] | None = None) -> BackpropApp:
    path = EXAMPLES / f"{name}.toml"
    app = BackpropApp(checker=echo_checker, network=(str(path), path.read_text()), quiz=quiz)
    app.network_checkers = (echo_trace, echo_epoch)
    return app


async def settled(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    for _ in range(1500):
        screen = app.screen
        if getattr(screen, "check_settled", lambda: True)() and app.check_settled():
            break
        await asyncio.sleep(0.02)
    await pilot.pause()
    await pilot.pause()


def test_network_forward(snap_compare):
    assert snap_compare(network_app("classic-2-2-2"), press=["f"], terminal_size=(120, 40), run_before=settled)


def test_network_backward(snap_compare):
    assert snap_compare(network_app("classic-2-2-2"), press=["f", "n", "n", "n", "n"], terminal_size=(120, 40),
                        run_before=settled)


@pytest.mark.parametrize("size", [(120, 40), (100, 30)])
def test_network_backward_pass_labels_fit(snap_compare, size):
    """After `b`: each weight with its ∂L/∂w, on two rows at 120x40 and three at 100x30 (net_labels.py)."""
    assert snap_compare(network_app("classic-2-2-2"), press=["b"], terminal_size=size, run_before=settled)


def test_network_update(snap_compare):
    assert snap_compare(network_app("classic-2-2-2"), press=["end", "left_square_bracket"],
                        terminal_size=(120, 40), run_before=settled)


def test_network_wide_layer(snap_compare):
    assert snap_compare(network_app("mlp-seed"), press=["f", "left_square_bracket", "down"],
                        terminal_size=(100, 24), run_before=settled)


def test_network_xor_trained_with_its_decision_map(snap_compare):
    async def trained(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("t")
        await settled(pilot)

    assert snap_compare(network_app("xor"), terminal_size=(140, 45), run_before=trained)


def test_network_small_terminal(snap_compare):
    assert snap_compare(network_app("classic-2-2-2"), press=["f"], terminal_size=(80, 24), run_before=settled)


QUIZ_KEYS = ["enter", *"0.3775", "enter", *"0.5", "enter"]  # z(h1) right, z(h2) wrong: its hint


def test_network_quiz(snap_compare):
    assert snap_compare(network_app("classic-2-2-2", ALL), press=QUIZ_KEYS, terminal_size=(120, 40),
                        run_before=settled)


def test_network_quiz_small_terminal(snap_compare):
    assert snap_compare(network_app("classic-2-2-2", ALL), press=QUIZ_KEYS, terminal_size=(80, 24),
                        run_before=settled)
