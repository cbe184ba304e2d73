"""Edges a new user found: complex finite differences, terminal escapes, scripted-mode mistakes."""

from __future__ import annotations

from pathlib import Path

from backprop_tui.check.finite_diff import _central
from tests.core_helpers import ROOT, run, write


def test_finite_difference_off_the_real_line_is_no_opinion(tmp_path: Path) -> None:
    # x - h < 0 and a fractional power: Python's ** goes complex; the fd figure must be null
    assert _central(lambda v: v ** 1.5, 0.0) is None
    result = run(["trace", write(tmp_path, "x = 0\ny = x**1.5\n"), "--format", "json"])
    assert result.code == 0
    node = {n["name"]: n for n in result.doc["nodes"]}["x"]
    assert node["grad"] == 0.0 and node["fd_grad"] is None


def test_control_characters_in_a_bad_file_are_not_echoed(tmp_path: Path) -> None:
    result = run(["trace", write(tmp_path, "x = 1\n\x1b]0;pwned\x07\n")])
    assert result.code == 2
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert "line 2, column 1" in result.err


def test_a_huge_literal_is_named_briefly(tmp_path: Path) -> None:
    result = run(["trace", write(tmp_path, "x = " + "9" * 6000 + "\n")])
    assert result.code == 2
    assert "(6000 characters)" in result.err and len(result.err) < 600


def test_screenshot_into_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    result = run(["--press", "n", "--screenshot", str(tmp_path / "nope" / "x.svg")])
    assert result.code == 2 and "does not exist" in result.err and "Traceback" not in result.err


def test_scripted_mode_on_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = run([str(tmp_path / "nothere.bp"), "--screenshot", str(tmp_path / "x.svg")])
    assert result.code == 2 and "no such file" in result.err
    assert not (tmp_path / "x.svg").exists()


def test_the_app_without_a_terminal_says_so() -> None:
    result = run([])  # pytest's stdout is no terminal
    assert result.code == 2 and "needs a terminal" in result.err


def test_network_trace_refuses_program_options() -> None:
    result = run(["trace", str(ROOT / "examples" / "xor.toml"), "--of", "y"])
    assert result.code == 2 and "--of and --atomic apply to programs" in result.err
