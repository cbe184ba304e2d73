"""Every key, driven through the pilot."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.widgets.graph import GraphView
from tests.tui.conftest import settle

SEED_STEPS = 20  # 7 forward, 6 local, 7 backward


async def test_opens_on_the_graph_at_the_start(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert isinstance(app.focused, GraphView)
        assert app.k == 0 and app.state.n == SEED_STEPS
        assert "step 0 of 20" in str(app.query_one("#status").render())


@pytest.mark.parametrize("key", ["right", "n"])
async def test_next(make_app, key):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press(key, key)
        assert app.k == 2
        assert app.graph.k == 2


@pytest.mark.parametrize("key", ["left", "p"])
async def test_previous(make_app, key):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("n", "n", "n", key)
        assert app.k == 2
        await pilot.press(key, key, key)
        assert app.k == 0  # never below the start


async def test_home_and_end(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("end")
        assert app.k == SEED_STEPS
        await pilot.press("n")
        assert app.k == SEED_STEPS  # never past the end
        await pilot.press("home")
        assert app.k == 0


async def test_finish_forward_then_backward(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("f")
        st = app.state
        assert app.k == 7 and st.phase(app.k) == "forward"
        assert all(st.value_known(n, app.k) for n in st.trace.names)
        assert not any(st.grad_known(n, app.k) for n in st.trace.names)
        await pilot.press("b")
        assert app.k == SEED_STEPS and st.phase(app.k) == "backward"
        assert all(st.grad_known(n, app.k) for n in st.trace.names)


async def test_view_read_from_stored_state(make_app):
    """Going forward then back gives the same view as arriving directly."""
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press(*["n"] * 15)
        there = [app.graph.render_line(y).text for y in range(20)]
        await pilot.press("end", "home", *["n"] * 15)
        assert [app.graph.render_line(y).text for y in range(20)] == there


async def test_edit_and_escape(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("e")
        assert isinstance(app.focused, TextArea)
        await pilot.press("n", "p", "right", "left", "f", "b")  # typed or moved in the editor, no steps
        assert app.k == 0
        assert "npfb" in app.editor.text
        await pilot.press("escape")
        assert isinstance(app.focused, GraphView)
        await pilot.press("n")
        assert app.k == 1


async def test_help_key_and_f1(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("n")  # a dialog's keys are its own
        assert app.k == 0
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpScreen)


async def test_f1_works_in_the_editor(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("e", "f1")
        assert isinstance(app.screen, HelpScreen)


async def test_find_selects_a_node(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("slash")
        await pilot.press(*"w2", "enter")
        assert app.selected == "w2" and app.graph.selected == "w2"
        panel = str(app.query_one("#step").render())
        assert "selected w2" in panel


async def test_find_unknown_name_warns(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("slash", *"zz", "enter")
        assert app.selected is None


async def test_click_selects_a_node(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        x, y = app.graph.name_offset("x")
        offset = (x + 1, y + 1)  # inside the border
        await pilot.click(GraphView, offset=offset)
        assert app.selected == "x"


async def test_quit(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code in (0, None)


async def test_palette_runs_a_step(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Next step")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.k == 1


async def test_resize_keeps_working(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("end")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        await pilot.press("home", "n")
        assert app.k == 1


async def test_no_color_is_respected(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("n")
        assert app.no_color


async def test_w_without_a_network_says_how_to_open_one(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("w")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert any("none is open yet" in m and "o" in m for m in notes)
        assert len(app.screen_stack) == 1
