"""The training panel after `t`: the loss plot ends at the last epoch inside its frame, turns into a sparkline
when too short for axes, the two "final" losses are said apart, and the decision map has a legend in hues
that are not the diagram's weight signs."""

from __future__ import annotations

from textual.widgets import Log, Static

from backprop_tui.tui.svg_cells import pin_cells
from backprop_tui.tui.widgets.net_diagram import NEGATIVE, POSITIVE, v4
from backprop_tui.tui.widgets.net_region import MARKS, PALETTE, DecisionMap
from backprop_tui.tui.widgets.net_training import LossPlot, compact_lines, figures, x_ticks
from tests.tui.test_net_snapshots import network_app, settled


async def trained(name: str, size: tuple[int, int], *panel_keys: str):  # type: ignore[no-untyped-def]
    app = network_app(name)
    ctx = app.run_test(size=size)
    pilot = await ctx.__aenter__()
    await settled(pilot)
    await pilot.press("t")
    await settled(pilot)
    await pilot.press(*panel_keys)
    await pilot.pause()
    return app, pilot, ctx


def braille_columns(line: str) -> list[int]:
    return [i for i, c in enumerate(line) if "\u2800" < c <= "\u28ff"]


async def test_the_plot_ends_at_the_last_epoch_inside_its_frame_and_the_map_has_a_legend() -> None:
    app, _, ctx = await trained("xor", (140, 45))
    try:
        screen = app.screen
        plot = screen.query_one(LossPlot)
        assert not plot.compact and len(plot.losses) == 500
        lines = plot.render().plain.splitlines()
        right = lines[0].rindex("┐")  # the frame's top right corner
        curve = [c for line in lines for c in braille_columns(line)]
        assert curve and max(curve) < right  # nothing of the curve beyond the frame
        assert max(curve) >= right - 2  # and it reaches the frame's end: the x range ends at epoch 500
        assert "500" in lines[-2].split()  # the last epoch is labelled
        assert plot.border_subtitle.endswith(f"trained {v4(screen.net.loss)}")  # the diagram's L
        decision = screen.query_one(DecisionMap)
        assert "class 0" in decision.border_subtitle and "class 1" in decision.border_subtitle
        marks = "".join(seg.text for y in range(decision.size.height) for seg in decision.render_line(y))
        assert "●" in marks and "▲" in marks  # xor's two classes, told apart by shape without colour
        log = "\n".join(str(line) for line in screen.query_one(Log).lines)
        assert f"trained weights (L): {v4(screen.net.loss)}" in log and "epoch 500 before update" in log
    finally:
        await ctx.__aexit__(None, None, None)


async def test_small_heights_show_the_sparkline_and_the_figures_said_apart() -> None:
    for size in ((100, 30), (80, 24)):
        app, pilot, ctx = await trained("classic-2-2-2", size, "v", "v")
        try:
            screen = app.screen
            assert screen.panel == "training"
            plot = screen.query_one(LossPlot)
            assert plot.compact and plot.size.height >= 3, size  # no 1-row plotext plot
            text = plot.render().plain
            first, last, final = v4(plot.losses[0]), v4(plot.losses[-1]), v4(screen.net.loss)
            assert text.startswith(first) and text.splitlines()[0].endswith(last)
            assert "epoch 1" in text and "epoch 100" in text and any(c in text for c in "▁▂▃▄▅▆▇█")
            assert "epoch 100's loss" in text and "before its update" in text
            assert f"the trained weights' loss (L) is {final}" in " ".join(text.split())
            assert (last, final) == ("0.02031", "0.02005")  # the trial's figures: two, each named
            assert not screen.query_one("#net-spark").display  # the box has it; no second copy
            status = str(screen.status())
            assert f"100 epochs: L {first} → {final}" in status  # the diagram's L figures, before and after
            await pilot.press("v")  # back to the step panel: the sparkline row below it
            await pilot.pause()
            spark = screen.query_one("#net-spark", Static)
            assert spark.display and f"trained {final}" in str(spark.render())
        finally:
            await ctx.__aexit__(None, None, None)


def test_the_figures_and_ticks_helpers() -> None:
    losses = [0.3, 0.1, 0.0203105]
    assert figures(losses, 0.0200468, 80) == "epoch 3: 0.02031 (before its update) · trained weights: 0.02005"
    assert figures(losses, 0.0200468, 34) == "epoch 3 0.02031 · trained 0.02005"
    assert figures(losses, None, 80) == ""  # while training: no final figure yet
    lines = compact_lines(losses, None, 10, 40)
    assert lines[1].rstrip().endswith("epoch 3/10") and len(lines) == 2
    assert compact_lines(losses, 0.0200468, 3, 20)[2:] == ["trained (L) 0.02005", "0.02031: pre-update"]
    assert x_ticks(500, 45)[-1] == 500 and x_ticks(100, 60)[-1] == 100


def test_the_map_colours_are_not_the_weight_signs() -> None:
    assert NEGATIVE not in PALETTE and POSITIVE not in PALETTE
    assert len(set(MARKS)) == len(MARKS) == len(PALETTE)


def test_screenshots_pin_each_braille_cell() -> None:
    run = ('<text class="r1" x="10" y="20" textLength="36.6" clip-path="url(#c)">⠉&#160;⣀</text>'
           '<text class="r2" x="0" y="20" textLength="24.4" clip-path="url(#c)">ab</text>')
    out = pin_cells(run)
    assert 'x="10.0" y="20" textLength="12.2" clip-path="url(#c)">⠉</text>' in out
    assert 'x="34.4" y="20" textLength="12.2" clip-path="url(#c)">⣀</text>' in out
    assert out.endswith(run[run.index('<text class="r2"'):])
