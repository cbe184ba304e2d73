"""The chain screen shares its rows and columns so nothing the learner needs is cut: the step panel shows
every line where the graph does not need the rows, and the variables table keeps name, value and grad whole."""

from __future__ import annotations

from pathlib import Path

from backprop_tui.tui.widgets.explain import StepPanel
from backprop_tui.tui.widgets.table import HEADERS, VariableTable
from tests.tui.conftest import settle

SGD = (Path(__file__).parents[2] / "examples" / "sgd_loop.py").read_text()
TWICE = (Path(__file__).parents[2] / "examples" / "backward_twice.py").read_text()


def step_lines(app) -> tuple[int, int]:
    panel = app.query_one(StepPanel)
    return panel._content.get_height(panel.styles, panel.content_region.width), panel.content_region.height


def header(app) -> str:
    return app.query_one(VariableTable).render_line(0).text


async def test_at_140x45_the_step_panel_shows_every_printed_line(make_app):
    app = make_app(SGD, check=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "3", "enter", "b")
        await pilot.pause()
        wanted, rows = step_lines(app)
        assert wanted <= rows, (wanted, rows)
        assert "2 0.9596039056777954" in str(app.query_one(StepPanel).render())
        graph = app.graph  # the graph keeps at least the rows its circuit needs
        assert graph.scrollable_content_region.height >= graph.canvas.height
        assert not app.query_one(StepPanel).border_subtitle


async def test_at_80x24_backward_twice_shows_the_third_print(make_app):
    app = make_app(TWICE, check=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        await pilot.pause()
        wanted, rows = step_lines(app)
        assert wanted <= rows and "9.0" in str(app.query_one(StepPanel).render())
        text = "\n".join(app.graph.render_line(y).text for y in range(app.graph.size.height))
        assert "4.5" in text and ".grad 9" in text  # this pass's gradient on the wire, the .grad beside it


async def test_a_cut_step_panel_says_it_scrolls(make_app):
    app = make_app(SGD, check=False)
    async with app.run_test(size=(80, 16)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "3", "enter", "b")
        await pilot.pause()
        wanted, rows = step_lines(app)
        assert wanted > rows and "scroll" in app.query_one(StepPanel).border_subtitle


async def test_the_table_keeps_grad_whole(make_app):
    """At 100x30 the program column narrows for the graph no further than the essential columns allow;
    a column that does not fit whole is not drawn (never `torch gr`)."""
    app = make_app(SGD, check=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        for keys in ((), ("j", "p", "3", "enter"), ("end",)):
            await pilot.press(*keys)
            await pilot.pause()
            table = app.query_one(VariableTable)
            words = header(app).split()
            assert words[:3] == ["name", "value", "grad"], words
            assert " ".join(words) in (" ".join(HEADERS[:n]) for n in (3, 4, 5))
            assert table.virtual_size.width <= table.scrollable_content_region.width
