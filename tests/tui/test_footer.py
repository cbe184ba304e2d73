"""The footer at 80, 100 and 140 columns: whole keys only, the most needed first, the palette key always
there and readable; a click presses a key."""

from __future__ import annotations

import itertools

import pytest

from backprop_tui.tui.widgets.footer import KeysFooter
from tests.tui.conftest import settle


def footer_line(app) -> str:
    footer = app.query_one(KeysFooter)
    return footer.render_line(0).text


@pytest.mark.parametrize("width", [80, 100, 140])
async def test_footer_keys_are_whole_and_the_palette_key_readable(make_app, width):
    app = make_app()
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(app, pilot)
        line = footer_line(app)
        assert len(line) == width and line.rstrip().endswith("^p palette")
        footer = app.query_one(KeysFooter)
        shown = [k for _, _, k in footer._spans]
        for x0, x1, k in footer._spans:  # each key whole where it is drawn, none under another
            assert line[x0:x1] == f" {k.display} {k.description} "
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(footer._spans))
        descriptions = {k.description for k in shown}
        assert {"Next", "Prev", "Forward", "Backward", "Help", "Quit"} <= descriptions
        if width >= 140:
            assert {"Gates", "Fit/1:1", "Find"} <= descriptions


async def test_footer_follows_a_resize_and_the_focus(make_app):
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(app, pilot)
        assert "Gates" in footer_line(app)
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        assert "Gates" not in footer_line(app) and "Next" in footer_line(app)
        await pilot.press("e")  # the editor takes the letter keys: the footer drops them
        await pilot.pause()
        assert "Next" not in footer_line(app) and "palette" in footer_line(app)


async def test_a_click_on_a_key_presses_it(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        footer = app.query_one(KeysFooter)
        x0 = next(s[0] for s in footer._spans if s[2].description == "Next")
        await pilot.click(KeysFooter, offset=(x0 + 1, 0))
        await pilot.pause()
        assert app.k == 1
