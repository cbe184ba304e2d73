"""The chain app's step panel shows a warning on the steps it concerns (engine.warnings), and only there."""

from __future__ import annotations

from backprop_tui.tui.widgets.explain import StepPanel
from tests.tui.conftest import settle

SATURATED_TANH = "x = 1.5\nw = 2\nz = tanh(x*w)\n"


def panel_text(app) -> str:
    return str(app.query_one(StepPanel).render())


async def test_the_step_panel_warns_on_the_saturated_steps_only(make_app):
    app = make_app(SATURATED_TANH)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("n", "n")
        assert "⚠" not in panel_text(app)  # the leaves x and w
        await pilot.press("n")  # z = tanh(x·w): step 3
        text = panel_text(app)
        assert "⚠ saturation: tanh(3) = 0.995, slope 0.00987 < 0.1" in text and "try an input nearer 0" in text
        await pilot.press("n", "n")  # ∂z/∂w, the second local through the tanh
        assert "⚠ saturation" in panel_text(app)
        await pilot.press("n")  # grad(z) = 1
        assert "⚠" not in panel_text(app)
