"""Editing with debounce, inline errors, presets, files, and the referee arriving late."""

from __future__ import annotations

import asyncio

import pytest

from backprop_tui.tui.presets import PRESETS, SEED_CHAIN
from backprop_tui.tui.screens.dialogs import PresetPicker, PromptDialog
from tests.tui.conftest import settle, wrong_checker


async def type_into_editor(app, pilot, text: str) -> None:
    await pilot.press("e")
    app.editor.move_cursor(app.editor.document.end)
    for ch in text:
        await pilot.press("enter" if ch == "\n" else ch if ch != " " else "space")


async def test_rebuilds_300ms_after_typing_stops(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        generation = app.generation
        await type_into_editor(app, pilot, "\ny3 = y2*2")
        assert app.generation == generation  # not yet: the debounce is waiting
        await pilot.pause(0.45)
        assert app.generation == generation + 1
        assert app.state.trace.output == "y3"
        assert app.state.trace.values["y3"] == 14


async def test_ctrl_r_rebuilds_now(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        generation = app.generation
        await type_into_editor(app, pilot, "\nz = y2 + 1")
        await pilot.press("ctrl+r")
        assert app.generation == generation + 1
        assert app.state.trace.values["z"] == 8


async def test_error_inline_keeps_last_good_program(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("n", "n")
        await type_into_editor(app, pilot, "\ny = x +")
        await pilot.press("ctrl+r")
        error = app.query_one("#error")
        assert error.has_class("-visible")
        text = str(error.render())
        assert "line 10" in text and "column" in text
        assert app.state.trace.output == "y2"  # the last good program stays
        assert app.k == 2
        await pilot.press("space", "1", "ctrl+r")
        assert not error.has_class("-visible")
        assert app.state.trace.output == "y"


async def test_all_presets_load_from_the_picker(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        for i, preset in enumerate(PRESETS):
            await pilot.press("t")
            assert isinstance(app.screen, PresetPicker)
            await pilot.press("home", *["down"] * i, "enter")
            await pilot.pause()
            assert app.editor.text == preset.text
            # the program shows, or (a dialect still missing) its error shows inline; never a crash
            error = app.query_one("#error")
            assert error.has_class("-visible") or app.text == preset.text


async def test_preset_from_the_palette(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"CS231n")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.state.trace.values["f"] == -12
        assert app.state.trace.grads["x"] == -4


async def test_open_and_save(make_app, tmp_path):
    src = tmp_path / "prog.bp"
    src.write_text("a = 3\nb = a*a\n")
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one("Input").value = str(src)
        await pilot.press("enter")
        await pilot.pause()
        assert app.editor.text == "a = 3\nb = a*a\n"
        assert app.state.trace.grads["a"] == 6
        out = tmp_path / "saved.bp"
        await pilot.press("s")
        app.screen.query_one("Input").value = str(out)
        await pilot.press("enter")
        await pilot.pause()
        assert out.read_text() == "a = 3\nb = a*a\n"
        assert app.path == str(out)


async def test_open_missing_file_shows_error(make_app, tmp_path):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("o")
        app.screen.query_one("Input").value = str(tmp_path / "nope.bp")
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#error").has_class("-visible")
        assert app.editor.text == SEED_CHAIN


async def test_dialog_escape_cancels(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        for key in ("o", "s", "t", "slash"):
            await pilot.press(key)
            assert len(app.screen_stack) == 2
            await pilot.press("escape")
            assert len(app.screen_stack) == 1


async def test_checker_arriving_late(make_app, gated):
    app = make_app(checker=gated)
    async with app.run_test() as pilot:
        await pilot.press("n")
        await pilot.pause(0.2)
        assert not app.state.trace.checked
        assert "pending" in str(app.query_one("#status").render())
        assert "pending" in str(app.query_one("#step").render())
        await pilot.press("n", "n")  # the interface does not wait for the referee
        assert app.k == 3
        gated.gate.set()
        await settle(app, pilot)
        assert app.state.trace.checked and app.state.trace.ok
        assert "✓ torch agrees on all 20 steps" in str(app.query_one("#status").render())
        assert app.k == 3


async def test_stale_answer_is_ignored(make_app, gated):
    app = make_app(checker=gated)
    async with app.run_test() as pilot:
        await pilot.pause(0.1)
        await type_into_editor(app, pilot, "\nz = y2 + 1")
        await pilot.press("ctrl+r")
        gated.gate.set()
        await settle(app, pilot)
        assert app.state.trace.output == "z" and app.state.trace.checked


async def test_disagreement_is_shown(make_app):
    app = make_app(checker=wrong_checker)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        assert "✗ torch disagrees on 1 of 20" in str(app.query_one("#status").render())
        assert "✗" in str(app.query_one("#step").render())  # the last step, grad(x), is the bad one
        assert app.state.step(app.k).target == "x"


async def test_checker_failure_is_reported(make_app):
    def broken(trace):
        raise RuntimeError("no torch here")

    app = make_app(checker=broken)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert "torch unavailable" in str(app.query_one("#status").render())


@pytest.mark.real_referee
async def test_real_torch_checker_in_a_subprocess(make_app):
    """The default referee: torch in its own process; the screen answers meanwhile."""
    app = make_app(checker=None)
    async with app.run_test() as pilot:
        await pilot.press("n")
        assert app.k == 1
        for _ in range(300):
            if app.check_settled():
                break
            await asyncio.sleep(0.05)
        assert app.torch_error is None
        assert app.state.trace.checked and app.state.trace.ok


async def test_an_error_goes_when_the_text_is_back_to_the_good_program(make_app):
    """Typing a fault, then undoing it: the text equals the program shown, so its parse error must go."""
    app = make_app()
    async with app.run_test() as pilot:
        await type_into_editor(app, pilot, " +")
        await pilot.pause(0.45)
        assert app.error_line.has_class("-visible") and "found `+`" in str(app.error_line.render())
        await pilot.press("backspace", "backspace")
        await pilot.pause(0.45)
        assert not app.error_line.has_class("-visible") and str(app.error_line.render()) == ""


async def test_a_file_that_cannot_be_opened_is_not_left_as_the_programs_error(make_app, tmp_path):
    app = make_app()
    async with app.run_test() as pilot:
        app.open_path(str(tmp_path / "missing.bp"))
        await pilot.pause()
        assert "missing.bp" in str(app.error_line.render())
        await pilot.press("escape", "right")  # the next step: the program was never at fault
        await pilot.pause()
        assert not app.error_line.has_class("-visible")
        assert app.k == 1
