"""No lost work: a replace (preset, `o`, a neuron's chain) or ctrl+q with unsaved edits asks first and can
save; ctrl+z brings back what a replace threw away; scripted runs never ask. Also: a hostile file in the
app is an inline error, the palette's empty-list paging does not crash, and a large program builds in the
background."""

from __future__ import annotations

from pathlib import Path

from backprop_tui.tui.screens.dialogs import PromptDialog
from backprop_tui.tui.screens.unsaved import UnsavedDialog
from tests.tui.conftest import settle

EDITED = "x = 3\ny = x*x\n"


async def edit(app, pilot, text: str = EDITED) -> None:
    app.editor.load_text(text)  # as typing would leave it: the text differs from what was opened
    await settle(app, pilot)


async def test_a_preset_over_unsaved_edits_asks_and_cancel_keeps_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await edit(app, pilot)
        app.load_preset("softmax" if "softmax" in _preset_keys() else _preset_keys()[1])
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert app.editor.text == EDITED and not isinstance(app.screen, UnsavedDialog)


async def test_discard_replaces_and_ctrl_z_brings_the_edits_back(make_app) -> None:
    app = make_app()
    key = _preset_keys()[1]
    async with app.run_test(size=(100, 30)) as pilot:
        await edit(app, pilot)
        app.load_preset(key)
        await pilot.pause()
        await pilot.press("d")
        await settle(app, pilot)
        assert app.editor.text != EDITED
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert app.editor.text == EDITED
        assert app.state is not None and app.state.trace.values["y"] == 9.0
        assert app.unsaved  # still the unsaved edits they were


async def test_save_first_writes_the_file_then_replaces(make_app, tmp_path: Path) -> None:
    app = make_app()
    target = tmp_path / "mine.bp"
    async with app.run_test(size=(100, 30)) as pilot:
        await edit(app, pilot)
        app.load_preset(_preset_keys()[1])
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one("Input").value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
        assert target.read_text() == EDITED
        assert app.editor.text != EDITED and not app.unsaved


async def test_open_over_unsaved_edits_asks(make_app, tmp_path: Path) -> None:
    other = tmp_path / "other.bp"
    other.write_text("a = 2\nb = a + 1\n")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await edit(app, pilot)
        app.open_path(str(other))
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)
        await pilot.press("d")
        await settle(app, pilot)
        assert app.editor.text == other.read_text() and app.path == str(other)


async def test_no_question_without_edits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.load_preset(_preset_keys()[1])
        await pilot.pause()
        assert not isinstance(app.screen, UnsavedDialog)


async def test_ctrl_q_with_edits_asks_and_ctrl_q_again_quits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await edit(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog) and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.editor.text == EDITED
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


async def test_ctrl_q_without_edits_quits_at_once(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


async def test_scripted_runs_never_ask(make_app) -> None:
    app = make_app()
    app.scripted = True
    async with app.run_test(size=(100, 30)) as pilot:
        await edit(app, pilot)
        app.load_preset(_preset_keys()[1])
        await settle(app, pilot)
        assert not isinstance(app.screen, UnsavedDialog) and app.editor.text != EDITED


async def test_palette_paging_before_its_list_is_laid_out_does_not_crash(make_app) -> None:
    """Textual 8.2.8: pagedown while the palette's list holds options not yet laid out raised KeyError: 0
    in OptionList._move_page (5 of 5 runs of this sequence crashed without the guard)."""
    import asyncio

    from textual._wait import wait_for_idle

    from tests.tui.monkey import send

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for seq in (["ctrl+p", "pagedown"], ["x", "pagedown", "pageup"], ["backspace", "pagedown"], ["escape"]) * 3:
            for key in seq:
                send(app, key)  # as fast as a terminal delivers them: no idle wait in between
            await asyncio.sleep(0.01)
        await wait_for_idle(0)
        await pilot.pause()
        assert app.is_running


async def test_a_spec_nested_5000_deep_is_an_inline_error(make_app, tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text('[network]\nsizes = [2, 2]\nlr = 0.5\n[data]\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_path(str(deep))
        await pilot.pause()
        shown = str(app.error_line.render())
        assert "nested too deeply" in shown and "line 5" in shown
        assert len(shown) < 600  # a 100-character excerpt with a caret, never the file's 10,000
        assert app.is_running


async def test_dev_zero_in_the_app_is_an_inline_error(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_path("/dev/zero")
        await pilot.pause()
        assert "not a regular file" in str(app.error_line.render()) and app.is_running


async def test_a_large_program_builds_in_the_background(make_app) -> None:
    from backprop_tui.tui.building import BACKGROUND_CHARS

    lines = ["x = 0.5"] + [f"h{i} = tanh(x*{(i % 7) / 10 + 0.1:.1f} + 0.1)" for i in range(2000)]
    text = "\n".join(lines) + "\n"
    assert len(text) > BACKGROUND_CHARS
    app = make_app(text)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await settle(app, pilot, timeout=60)
        assert not app.building and app.state is not None
        assert app.state.trace.names[-1] == "h1999"


def _preset_keys() -> list[str]:
    from backprop_tui.tui.presets import PRESETS

    return [p.key for p in PRESETS]


async def test_a_spec_reading_a_csv_loads_in_the_background(make_app, tmp_path: Path) -> None:
    import asyncio

    from backprop_tui.tui.screens.network import NetworkScreen

    (tmp_path / "d.csv").write_text("x1,x2,y1,y2\n0.05,0.10,0.01,0.99\n")
    spec = tmp_path / "net.toml"
    spec.write_text('[network]\nsizes = [2, 2]\noutput = "sigmoid"\nloss = "mse"\nlr = 0.5\n[data]\ncsv = "d.csv"\n')
    app = make_app(check=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_path(str(spec))
        for _ in range(1000):  # up to 20 s on a loaded machine
            await pilot.pause(0.02)
            if isinstance(app.screen, NetworkScreen):
                break
        await asyncio.sleep(0)
        assert isinstance(app.screen, NetworkScreen) and app.screen.spec.x.shape == (1, 2)


async def test_a_second_enter_after_the_palette_closed_does_not_pop_the_last_screen(make_app) -> None:
    """Textual 8.2.8: the second enter dismissed the closed palette again (ScreenStackError), 4 of 4 runs."""
    import asyncio

    from textual._wait import wait_for_idle

    from tests.tui.monkey import send

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for seq in ([["ctrl+p"], ["h", "e", "l", "p", "enter", "enter", "enter"], ["escape", "escape"]] * 2):
            for key in seq:
                send(app, key)
            await asyncio.sleep(0.01)
            await wait_for_idle(0)
        await pilot.pause()
        assert app.is_running and len(app.screen_stack) >= 1


async def test_the_palette_is_never_opened_twice(make_app) -> None:
    """ctrl+q from the palette asks; "save first" puts a prompt over the palette; ctrl+p there opened a
    second palette with the same id (DuplicateIds)."""
    from textual.command import CommandPalette

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await edit(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert sum(isinstance(s, CommandPalette) for s in app.screen_stack) == 1 and app.is_running


async def test_a_neuron_chain_arriving_after_its_screen_closed_is_harmless(make_app, tmp_path: Path) -> None:
    from backprop_tui.tui.screens.network import NetworkScreen
    from tests.tui.test_network_wiring import SPEC

    spec = tmp_path / "net.toml"
    spec.write_text(SPEC)
    app = make_app(check=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_path(str(spec))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, NetworkScreen)
        app.pop_screen()  # escape got there first
        await pilot.pause()
        app.post_message(NetworkScreen.OpenChain("x = 2\ny = x*x\n", "fc2:0", 0))
        await settle(app, pilot)
        assert app.is_running and app.state is not None and app.state.trace.grads["x"] == 4.0


async def test_a_spec_nested_5000_deep_at_start_up_is_an_inline_error(make_app, tmp_path: Path) -> None:
    text = '[network]\nsizes = [2, 2]\nlr = 0.5\n[data]\nx = ' + "[" * 5000 + "]" * 5000 + "\n"
    app = make_app(network=(str(tmp_path / "deep.toml"), text))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "nested too deeply" in str(app.error_line.render()) and app.is_running
