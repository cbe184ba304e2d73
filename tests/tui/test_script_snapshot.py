"""Snapshots of a PyTorch script on the chain screen: one iteration's circuit, the pass and iteration named,
the lines printed so far (update with --snapshot-update, and look at them)."""

from __future__ import annotations

from pathlib import Path

from backprop_tui.check.figures import check_trace
from backprop_tui.tui.app import BackpropApp
from tests.tui.test_snapshots import checked

SGD = (Path(__file__).resolve().parent.parent / "snippets" / "sgd_loop.py").read_text()


def test_sgd_loop_iteration_2_backward(snap_compare):
    press = ["j", "2", "enter"] + ["n"] * 10  # iteration 2, its pass: grad(w) accumulated
    assert snap_compare(BackpropApp(SGD, checker=check_trace), press=press, terminal_size=(100, 30),
                        run_before=checked)


def test_sgd_loop_80x24_update(snap_compare):
    press = ["j", "1", "enter"] + ["n"] * 11
    assert snap_compare(BackpropApp(SGD, checker=check_trace), press=press, terminal_size=(80, 24),
                        run_before=checked)
