"""The footer at 80, 100 and 140 columns: whole keys only, the most needed first, none under the palette key,
which is always there and readable."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from backprop_tui.tui.widgets.footer import KeysFooter
from tests.tui.conftest import settle


@pytest.mark.parametrize("width", [80, 100, 140])
async def test_footer_keys_are_whole_and_the_palette_key_readable(make_app, width):
    app = make_app()
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(app, pilot)
        footer = app.query_one(KeysFooter)
        keys = list(footer.query(FooterKey))
        palette = next(k for k in keys if k.has_class("-command-palette"))
        shown = [k for k in keys if k is not palette]
        assert palette.region.right <= width and "palette" in str(palette.render())
        for key in shown:
            assert key.region.right <= palette.region.x, f"{key.description} runs under the palette key"
            assert key.region.width >= len(key.description) + 2  # whole: the key and its description
        descriptions = {k.description for k in shown}
        assert {"Next", "Prev", "Forward", "Backward", "Help", "Quit"} <= descriptions
        if width >= 140:
            assert {"Gates", "Fit/1:1", "Find"} <= descriptions


async def test_footer_follows_a_resize(make_app):
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(app, pilot)
        wide = len(app.query_one(KeysFooter).query(FooterKey))
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        await pilot.pause()
        narrow = len(app.query_one(KeysFooter).query(FooterKey))
        assert narrow < wide
