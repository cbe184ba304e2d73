"""The step panel is never cut: after a jump to a longer explanation it takes the rows its text wraps to."""

from __future__ import annotations

from backprop_tui.tui.presets import BY_KEY
from backprop_tui.tui.widgets.explain import StepPanel
from tests.tui.conftest import settle


async def test_the_step_panel_grows_to_its_text(make_app):
    """Its first text was measured before the first layout (at a guessed width); the jump comes before
    anything else redraws it (no referee here)."""
    app = make_app(BY_KEY["softmax"].text, check=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await pilot.press("end")  # grad(z1): three terms, a wrapped formula, the fan-out line, the figures
        await pilot.pause()
        panel = app.query_one(StepPanel)
        text = panel.render()
        wanted = text.get_height(panel.styles, panel.content_region.width)
        assert wanted >= 5 and panel.content_region.height >= wanted
        assert "engine -0.340999" in str(text)


async def test_the_step_panel_settles_with_the_referee(make_app):
    app = make_app(BY_KEY["softmax"].text)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        await pilot.pause()
        panel = app.query_one(StepPanel)
        assert panel.content_region.height >= panel.render().get_height(panel.styles, panel.content_region.width)
