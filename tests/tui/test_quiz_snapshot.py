"""Snapshots of the quiz panel (pytest-textual-snapshot; update with --snapshot-update)."""

from __future__ import annotations

from backprop_tui.quiz import ALL
from backprop_tui.tui.app import BackpropApp
from tests.tui.conftest import echo_checker
from tests.tui.test_snapshots import checked

DY2_DY1, GRAD_X = 11, 20


def quiz_at(k: int, typed: list[str]):
    async def run(pilot) -> None:
        await checked(pilot)
        pilot.app.go(k)
        await pilot.pause()
        for text in typed:
            await pilot.press(*text, "enter")
        await pilot.pause()

    return run


def test_quiz_hint(snap_compare):
    """A wrong prediction of ∂y2/∂y1 (local derivatives and gradients asked, so the forward values show):
    the hint names the rules, the number stays hidden everywhere."""
    app = BackpropApp(checker=echo_checker, quiz=frozenset({"local", "grad"}))
    assert snap_compare(app, terminal_size=(100, 30), run_before=quiz_at(DY2_DY1, ["3"]))


def test_quiz_answer_80x24(snap_compare):
    """Two wrong predictions of grad(x) at 80x24: the answer with its arithmetic, the score."""
    app = BackpropApp(checker=echo_checker, quiz=ALL)
    assert snap_compare(app, terminal_size=(80, 24), run_before=quiz_at(GRAD_X, ["2", "2*3"]))
