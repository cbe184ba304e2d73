"""The post's torch snippet in the app: its queries and prints are shown, as the post shows them."""

from __future__ import annotations

from dataclasses import replace

from backprop_tui.check.figures import apply_check
from backprop_tui.tui.presets import SEED_SNIPPET
from tests.tui.conftest import own_figures, settle


def with_queries(answers: dict[str, float]):
    def checker(trace):
        return apply_check(trace, replace(own_figures(trace), queries=answers))

    return checker


async def test_the_snippets_answers_show_at_the_end(make_app) -> None:
    app = make_app(SEED_SNIPPET, checker=with_queries({"dy2_dy1": 2.0, "dy1_dw1": 1.0, "dy2_dw1": 2.0}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        text = str(app.query_one("#step").render())
        assert "dy2_dy1 = ∂y2/∂y1 = 2 ✓" in text and "dy2_dw1 = ∂y2/∂w1 = 2 ✓" in text
        assert "tensor(2.)  tensor(1.)  tensor(2.)" in text


async def test_a_query_torch_disagrees_with_is_marked(make_app) -> None:
    app = make_app(SEED_SNIPPET, checker=with_queries({"dy2_dy1": 2.5, "dy1_dw1": 1.0, "dy2_dw1": 2.0}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        assert "dy2_dy1 = ∂y2/∂y1 = 2 ✗ (torch 2.5)" in str(app.query_one("#step").render())
