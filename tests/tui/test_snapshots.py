"""Snapshots of the main states (pytest-textual-snapshot; update with --snapshot-update)."""

from __future__ import annotations

import asyncio

from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.presets import BY_KEY, SEED_CHAIN
from tests.tui.conftest import echo_checker, wrong_checker


async def checked(pilot) -> None:
    app = pilot.app
    for _ in range(200):
        if app.check_settled():
            break
        await asyncio.sleep(0.02)
    await pilot.pause()


def app_for(text: str = SEED_CHAIN, checker=echo_checker) -> BackpropApp:
    return BackpropApp(text, checker=checker)


def test_start(snap_compare):
    assert snap_compare(app_for(), terminal_size=(100, 30), run_before=checked)


def test_forward_finished(snap_compare):
    assert snap_compare(app_for(), press=["f"], terminal_size=(100, 30), run_before=checked)


def test_local_step(snap_compare):
    assert snap_compare(app_for(), press=["f", "n", "n"], terminal_size=(100, 30), run_before=checked)


def test_backward_fan_out(snap_compare):
    assert snap_compare(app_for(BY_KEY["fan-out"].text), press=["end"], terminal_size=(100, 30),
                        run_before=checked)


def test_disagreement_shown(snap_compare):
    assert snap_compare(app_for(checker=wrong_checker), press=["end"], terminal_size=(100, 30),
                        run_before=checked)


def test_error_inline(snap_compare):
    async def broken(pilot):
        await checked(pilot)
        app = pilot.app
        app.editor.load_text(SEED_CHAIN + "y3 = y2 +\n")
        app.rebuild()
        await pilot.pause()

    assert snap_compare(app_for(), terminal_size=(100, 30), run_before=broken)


def test_help(snap_compare):
    assert snap_compare(app_for(), press=["question_mark"], terminal_size=(100, 30), run_before=checked)


def test_light_theme(snap_compare):
    async def light(pilot):
        pilot.app.theme = "textual-light"
        await checked(pilot)

    assert snap_compare(app_for(), press=["n"] * 9, terminal_size=(100, 30), run_before=light)


def test_small_terminal(snap_compare):
    assert snap_compare(app_for(BY_KEY["softmax"].text), press=["n"] * 10, terminal_size=(80, 24),
                        run_before=checked)


def test_pending_checks(snap_compare, gated):
    assert snap_compare(app_for(checker=gated), press=["n", "n"], terminal_size=(100, 30))


# -- the circuit (issue 7) ---------------------------------------------------------------------------------
def test_seed_chain_80x24_backward(snap_compare):
    """The default theme (dark) at the smallest size the chain must fit: the whole circuit, mid-backward."""
    assert snap_compare(app_for(), press=["f", "b", "p", "p", "p"], terminal_size=(80, 24), run_before=checked)


def test_cs231n_circuit_80x24(snap_compare):
    assert snap_compare(app_for(BY_KEY["cs231n"].text), press=["end"], terminal_size=(80, 24), run_before=checked)


def test_cs231n_sigmoid_gate_level(snap_compare):
    async def gates(pilot):
        await checked(pilot)
        await pilot.press("g")
        await checked(pilot)
        pilot.app.clear_notifications()
        await pilot.press("end")
        await pilot.pause()

    assert snap_compare(app_for(BY_KEY["cs231n-sigmoid"].text), terminal_size=(140, 45), run_before=gates)


def test_no_color(snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(app_for(BY_KEY["fan-out"].text), press=["b", "p"], terminal_size=(100, 30),
                        run_before=checked)


def test_ascii(snap_compare):
    app = BackpropApp(BY_KEY["fan-out"].text, checker=echo_checker, ascii=True)
    assert snap_compare(app, press=["b", "p"], terminal_size=(100, 30), run_before=checked)
