"""No work is lost without asking, on saving and quitting: `s` asks before replacing a file that is not
the program's (or the network's) own, and cancel leaves it byte for byte; ctrl+q, or opening another
network, asks before dropping weights that training or `u` changed; the network's save suggests a name
outside the project's examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from backprop_tui.tui.screens.dialogs import PromptDialog
from backprop_tui.tui.screens.network import NetworkScreen
from backprop_tui.tui.screens.overwrite import ReplaceDialog
from backprop_tui.tui.screens.unsaved import UnsavedDialog
from tests.network.test_screen import until
from tests.tui.conftest import settle
from tests.tui.test_network_wiring import SPEC

PRECIOUS = b"# precious\n\x00\xff not a program\n"


async def type_path(app, pilot, path: Path | str) -> None:
    assert isinstance(app.screen, PromptDialog)
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def test_saving_over_another_file_asks_and_cancel_keeps_it(make_app, tmp_path: Path) -> None:
    precious = tmp_path / "precious.bp"
    precious.write_bytes(PRECIOUS)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await type_path(app, pilot, precious)
        assert isinstance(app.screen, ReplaceDialog)
        assert app.screen.question == "Replace precious.bp? It exists."
        await pilot.press("enter")  # the focus starts on Cancel: an enter typed ahead keeps the file
        await pilot.pause()
        assert not isinstance(app.screen, ReplaceDialog) and precious.read_bytes() == PRECIOUS
        assert app.path != str(precious)
        await pilot.press("s")
        await pilot.pause()
        await type_path(app, pilot, precious)
        await pilot.press("escape")
        await pilot.pause()
        assert precious.read_bytes() == PRECIOUS


async def test_replace_writes_and_saving_back_does_not_ask(make_app, tmp_path: Path) -> None:
    precious = tmp_path / "precious.bp"
    precious.write_bytes(PRECIOUS)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await type_path(app, pilot, precious)
        await pilot.press("r")
        await pilot.pause()
        assert precious.read_text() == app.editor.text and app.path == str(precious)
        app.editor.load_text("x = 3\ny = x*x\n")
        await settle(app, pilot)
        await pilot.press("s")  # back to the file it was saved to: the normal case, no question
        await pilot.pause()
        await type_path(app, pilot, precious)
        assert not isinstance(app.screen, ReplaceDialog) and precious.read_text() == "x = 3\ny = x*x\n"


async def test_opened_file_saves_back_without_asking(make_app, tmp_path: Path) -> None:
    mine = tmp_path / "mine.bp"
    mine.write_text("a = 2\nb = a*a\n")
    app = make_app(mine.read_text(), path=str(mine))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.editor.load_text("a = 5\nb = a*a\n")
        await settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await type_path(app, pilot, mine)
        assert mine.read_text() == "a = 5\nb = a*a\n"


async def open_network(app, pilot, tmp_path: Path, name: str = "net.toml") -> NetworkScreen:
    spec = tmp_path / name
    spec.write_text(SPEC)
    app.open_path(str(spec))
    await pilot.pause()
    assert isinstance(app.screen, NetworkScreen)
    return app.screen


async def train(screen: NetworkScreen, pilot, epochs: int = 30) -> None:
    screen.query_one("#net-epochs", Input).value = str(epochs)
    await pilot.press("t")
    await until(pilot, lambda: not screen.training and screen.last_result is not None)


async def test_the_network_save_asks_before_replacing_the_spec_or_script(make_app, tmp_path: Path) -> None:
    app = make_app(check=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_network(app, pilot, tmp_path)
        target = tmp_path / "kept.toml"
        script = tmp_path / "kept.py"
        script.write_bytes(PRECIOUS)  # somebody's own script where the torch script would go
        await pilot.press("u")
        await pilot.press("s")
        await pilot.pause()
        await type_path(app, pilot, target)
        assert isinstance(app.screen, ReplaceDialog) and app.screen.question == "Replace kept.py? It exists."
        await pilot.press("escape")
        await pilot.pause()
        assert script.read_bytes() == PRECIOUS and not target.exists() and screen.unsaved_training
        await pilot.press("s")
        await pilot.pause()
        await type_path(app, pilot, target)
        await pilot.press("r")
        await pilot.pause()
        assert target.exists() and b"import torch" in script.read_bytes() and not screen.unsaved_training
        await pilot.press("u")
        await pilot.press("s")  # again to the files it wrote: suggested, and no question
        await pilot.pause()
        assert app.screen.query_one(Input).value == str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and not screen.unsaved_training


async def test_ctrl_q_after_training_asks_and_discard_quits(make_app, tmp_path: Path) -> None:
    app = make_app(check=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_network(app, pilot, tmp_path)
        await train(screen, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog) and "weights have changed" in app.screen.question
        await pilot.press("escape")  # cancel: still there, still trained
        await pilot.pause()
        assert app.screen is screen and screen.unsaved_training and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
    assert not app.is_running


async def test_save_first_then_quit_and_saved_quits_at_once(make_app, tmp_path: Path) -> None:
    app = make_app(check=False)
    kept = tmp_path / "kept.toml"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_network(app, pilot, tmp_path)
        await train(screen, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        await type_path(app, pilot, kept)
        await pilot.pause()
    assert not app.is_running and kept.exists()

    app = make_app(check=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_network(app, pilot, tmp_path, "again.toml")
        await train(screen, pilot)
        await pilot.press("s")
        await pilot.pause()
        await type_path(app, pilot, tmp_path / "again-kept.toml")
        assert not screen.unsaved_training
        await pilot.press("ctrl+q")  # saved since: no question
        await pilot.pause()
    assert not app.is_running


async def test_ctrl_q_while_training_asks_and_save_first_keeps_the_weights_reached(make_app, tmp_path) -> None:
    app = make_app(check=False)
    kept = tmp_path / "midway.toml"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_network(app, pilot, tmp_path)
        screen.query_one("#net-epochs", Input).value = "5000000"  # minutes of work: still running when asked
        await pilot.press("t")
        await until(pilot, lambda: screen.epoch > 5)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog) and "Training is running" in app.screen.question
        await pilot.press("s")  # stops the run, then asks for the name
        await until(pilot, lambda: isinstance(app.screen, PromptDialog))
        assert not screen.training and screen.last_result.epochs < 5000000
        await type_path(app, pilot, kept)
    assert not app.is_running
    from backprop_tui.network.spec import load_spec

    saved = load_spec(str(kept))
    assert all(saved.params[n].tobytes() == screen.spec.params[n].tobytes() for n in saved.param_names)


async def test_u_then_escape_keeps_the_network_and_opening_another_asks(make_app, tmp_path: Path) -> None:
    app = make_app(check=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_network(app, pilot, tmp_path)
        await pilot.press("u")
        await pilot.press("escape")  # back to the chain: the network stays (w), nothing is dropped
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.trained_network is screen
        other = tmp_path / "other.toml"
        other.write_text(SPEC)
        app.open_path(str(other))
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog) and "before opening" in app.screen.question
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        assert app.screen is screen and screen.unsaved_training
        await pilot.press("escape")
        await pilot.pause()
        app.open_path(str(other))
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, NetworkScreen) and app.screen is not screen
        assert app.screen.path == str(other)


async def test_scripted_runs_never_ask_about_training(make_app, tmp_path: Path) -> None:
    app = make_app(check=False)
    app.scripted = True
    async with app.run_test(size=(120, 40)) as pilot:
        await open_network(app, pilot, tmp_path)
        await pilot.press("u")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


@pytest.mark.parametrize("where", ["examples", "elsewhere", "stdin"])
def test_the_suggested_name_is_never_inside_the_examples(where: str, tmp_path: Path, monkeypatch) -> None:
    from backprop_tui.tui.screens.net_save import EXAMPLES, suggested_path

    if where == "examples":
        assert suggested_path(str(EXAMPLES / "xor.toml")) == "xor-trained.toml"
        monkeypatch.chdir(EXAMPLES.parent)  # `backprop-tui examples/xor.toml` in the repository
        assert suggested_path("examples/xor.toml") == "xor-trained.toml"
    elif where == "elsewhere":
        assert suggested_path(str(tmp_path / "mine.toml")) == str(tmp_path / "mine-trained.toml")
        assert suggested_path(str(tmp_path / "gone" / "mine.toml")) == "mine-trained.toml"  # no such folder
    else:
        assert suggested_path("-") == "network-trained.toml" and suggested_path(None) == "network-trained.toml"
