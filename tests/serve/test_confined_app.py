"""The app in serve mode (pilot): `o` and `s` stay inside the class folder, or are off, with the reason
inline; the served app (ServedApp) reports where the learner is."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from textual.widgets import Input

from backprop_tui import host_files
from backprop_tui.host_files import Access
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.presets import SEED_CHAIN
from backprop_tui.tui.screens.dialogs import PromptDialog
from tests.tui.conftest import echo_checker


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    root = Path(os.path.realpath(tmp_path / "class"))
    root.mkdir()
    (root / "prog.bp").write_text("a = 3\nb = a*a\n")
    monkeypatch.setenv(host_files.ENV, Access(root).setting)
    return root


async def answer(app, pilot, key: str, typed: str) -> None:
    await pilot.press(key)
    assert isinstance(app.screen, PromptDialog)
    app.screen.query_one(Input).value = typed
    await pilot.press("enter")
    await pilot.pause()


def error_text(app) -> str:
    return str(app.query_one("#error").content)


async def test_o_with_etc_passwd_is_refused_inline(folder):
    app = BackpropApp(SEED_CHAIN, checker=echo_checker)
    async with app.run_test() as pilot:
        await answer(app, pilot, "o", "/etc/passwd")
        assert app.query_one("#error").has_class("-visible")
        assert error_text(app) == ("cannot open /etc/passwd: absolute paths are refused here; name a file inside "
                                   "the class folder, such as chain.bp")
        assert app.editor.text == SEED_CHAIN  # nothing was read; the app goes on
        await answer(app, pilot, "o", "../../../../etc/passwd")
        assert "'..' is refused here" in error_text(app)
        assert app.editor.text == SEED_CHAIN


async def test_open_and_save_inside_the_folder_work(folder):
    app = BackpropApp(SEED_CHAIN, checker=echo_checker)
    async with app.run_test() as pilot:
        await answer(app, pilot, "o", "prog.bp")
        assert app.editor.text == "a = 3\nb = a*a\n"
        assert app.state.trace.grads["a"] == 6
        await answer(app, pilot, "s", "mine.bp")
        assert (folder / "mine.bp").read_text() == "a = 3\nb = a*a\n"


async def test_save_outside_the_folder_is_refused_and_writes_nothing(folder, tmp_path):
    app = BackpropApp(SEED_CHAIN, checker=echo_checker)
    async with app.run_test() as pilot:
        await answer(app, pilot, "s", "../escaped.bp")
        assert error_text(app) == "not saved: ../escaped.bp: '..' is refused here: files stay inside the class folder"
        await answer(app, pilot, "s", str(tmp_path / "escaped.bp"))
        assert "absolute paths are refused" in error_text(app)
        assert not (tmp_path / "escaped.bp").exists()
        assert app.path is None  # not taken as the program's file


async def test_with_files_off_o_and_s_say_so_without_a_dialog(monkeypatch):
    monkeypatch.setenv(host_files.ENV, "off")
    app = BackpropApp(SEED_CHAIN, checker=echo_checker)
    async with app.run_test() as pilot:
        await pilot.press("o")
        assert not isinstance(app.screen, PromptDialog)
        assert error_text(app).startswith("opening files is turned off here")
        await pilot.press("s")
        assert not isinstance(app.screen, PromptDialog)
        assert error_text(app).startswith("saving files is turned off here")


async def test_the_network_screen_saves_only_inside_the_folder(folder, tmp_path):
    from tests.network.test_screen import host

    app = host("classic-2-2-2")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await answer(app, pilot, "s", str(tmp_path / "kept.toml"))
        assert screen.message.startswith("not saved: ") and "absolute paths are refused" in screen.message
        assert not (tmp_path / "kept.toml").exists()
        await answer(app, pilot, "s", "kept.toml")
        assert "saved" in screen.message and (folder / "kept.toml").exists() and (folder / "kept.py").exists()


async def test_the_served_app_reports_its_position_and_leaves_the_teachers_file_alone(folder, tmp_path, monkeypatch):
    from backprop_tui.serve.session import ServedApp

    status = tmp_path / "status.json"
    monkeypatch.setenv("BACKPROP_TUI_STATUS", str(status))
    app = ServedApp("a = 3\nb = a*a\n", str(folder / "prog.bp"), checker=echo_checker)
    assert app.path is None  # `s` asks for a name of the learner's own
    async with app.run_test() as pilot:
        await pilot.press("n", "n")
        await pilot.pause(0.3)
        report = json.loads(status.read_text())
        assert (report["screen"], report["step"], report["steps"], report["error"]) == ("ChainScreen", 2, 5, None)
        assert report["files"] == Access(folder).setting and report["pid"] == os.getpid()


async def test_o_in_a_class_folder_names_its_files_and_completes_them(folder):
    from backprop_tui.serve.session import ServedApp, folder_files

    (folder / "week1").mkdir()
    (folder / "week1" / "net.toml").write_text("")
    (folder / ".hidden.bp").write_text("")
    (folder / "notes.pdf").write_text("")
    (folder / "link.bp").symlink_to("/etc/passwd")
    assert folder_files(folder) == ["prog.bp", "week1/net.toml"]
    app = ServedApp(SEED_CHAIN, None, checker=echo_checker)
    async with app.run_test() as pilot:
        await pilot.press("o")
        dialog = app.screen
        assert isinstance(dialog, PromptDialog)
        assert dialog.title_text == "Open a file of the class folder: prog.bp, week1/net.toml"
        assert dialog.suggestions == ["prog.bp", "week1/net.toml"]
        await pilot.press("p", "right", "enter")  # "p", completed to prog.bp
        await pilot.pause()
        assert app.editor.text == "a = 3\nb = a*a\n"
