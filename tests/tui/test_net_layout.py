"""The neuron diagram's geometry (tui/net_layout.py) and the loss plot's axes (tui/plot_scale.py): pure."""

from __future__ import annotations

import itertools
import math

import pytest

from backprop_tui.tui.net_labels import LONG, SHORT, STACKED, TALL, WEIGHT, Choice, configs
from backprop_tui.tui.net_layout import Content, line_dots, plan, scroll_to, window
from backprop_tui.tui.plot_scale import divergent, epoch_ticks, nice_ticks, sparkline, tick_labels


def content(sizes, label=8, full=14, compact=10) -> Content:
    n = len(sizes)
    return Content(tuple(sizes), (full,) * (n + 1), (1,) + (3,) * (n - 1) + (1,), (compact,) * (n + 1),
                   (0,) + (label,) * (n - 1), 8)


@pytest.mark.parametrize(("n", "cap"), [(20, 9), (20, 5), (14, 4), (100, 12), (5, 3)])
@pytest.mark.parametrize("offset", [0, 1, 5, 9, 50])
def test_a_window_shows_or_counts_every_unit_once(n, cap, offset):
    slots, _got = window(n, cap, offset)
    assert len(slots) <= max(cap, 3)
    covered = []
    for unit, first, last in slots:
        covered += [unit] if unit >= 0 else list(range(first, last + 1))
    assert covered == list(range(n))  # nothing silently cut, nothing twice, in order
    assert slots[-1][0] == n - 1  # the last unit stays in view


def test_a_narrow_layer_is_shown_whole():
    assert window(2, 9, 3) == ([(0, 0, 0), (1, 1, 1)], 0)


@pytest.mark.parametrize("unit", [0, 6, 7, 10, 16, 17, 19])
def test_scrolling_brings_any_unit_into_view(unit):
    off = scroll_to(20, 9, 0, unit)
    assert unit in [u for u, _, _ in window(20, 9, off)[0]]


def test_the_2_2_2_network_gets_bordered_boxes_and_a_label_row_for_each_weight():
    lay = plan(content((2, 2, 2)), 118, 20)
    assert lay.style == "full" and lay.labels
    weights = [e for e in lay.edges if e.layer <= 2]
    assert len(weights) == 8
    rows = {(e.layer, e.run_y) for e in weights}
    assert len(rows) == 8  # each label on its own row of its gap: none collide
    for e in weights:
        x, y, _w, h = lay.box(e.layer, e.dst)
        assert y < e.run_y < y + h - 1 and e.run[2] == x - 1  # the port is on the target's left side
        assert e.label_x + e.label_w <= x - 1
    assert len([e for e in lay.edges if e.layer == 3]) == 2  # both outputs feed the loss


def test_columns_do_not_overlap_and_stay_inside():
    lay = plan(content((2, 4, 1)), 100, 24)
    xs = [(c.x, c.x + c.width) for c in lay.columns]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(xs))
    assert xs[0][0] >= 0 and xs[-1][1] <= 100


def test_a_wide_layer_shows_markers_and_nothing_is_cut():
    lay = plan(content((10, 20, 2)), 118, 14)
    hidden = lay.by_layer[1]
    markers = [s for s in hidden.slots if s.is_marker]
    assert markers and sum(s.hidden for s in markers) + len(hidden.units) == 20
    assert not lay.labels  # hidden sources have no port: no weight is drawn without its name


def test_hit_finds_a_neuron_and_a_marker():
    lay = plan(content((10, 20, 2)), 118, 14)
    col = lay.by_layer[1]
    marker = next(s for s in col.slots if s.is_marker)
    neuron = next(s for s in col.slots if not s.is_marker)
    assert lay.hit(col.x, marker.y)[1] == marker
    assert lay.hit(col.x + 1, neuron.y)[1].unit == neuron.unit
    assert lay.hit(0, 0) is None or lay.hit(0, 0)[0] == 0


def test_braille_line_starts_and_ends_in_the_right_cells():
    cells = line_dots(0, 0, 10, 3)
    assert (0, 0) in cells and (10, 3) in cells
    assert all(0 <= x <= 10 and 0 <= y <= 3 for x, y in cells)
    assert len(line_dots(0, 0, 10, 3, thick=True)) >= len(cells)


# -- the loss plot's axes --------------------------------------------------------------------------
@pytest.mark.parametrize(("lo", "hi"), [(0.0203, 0.2984), (0.6419, 0.6931), (0.0053, 0.69), (1.0, 1.0),
                                        (1e-8, 3e-8), (12.5, 12345.0)])
def test_y_ticks_are_evenly_spaced_round_and_cover_the_losses(lo, hi):
    ticks = nice_ticks(lo, hi, 5)
    steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1  # evenly spaced: no tick missing
    assert ticks[0] <= lo and ticks[-1] >= hi and 2 <= len(ticks) <= 5
    labels = tick_labels(ticks)
    decimals = {len(t.split(".")[1]) if "." in t and "e" not in t else 0 for t in labels}
    assert len(decimals) == 1 and len(set(labels)) == len(labels)  # one format, distinct labels


@pytest.mark.parametrize("epochs", [1, 3, 7, 100, 250, 501, 1000, 4000, 12345])
def test_epoch_ticks_are_whole_and_cover_the_run(epochs):
    ticks = epoch_ticks(epochs)
    assert all(isinstance(t, int) for t in ticks) and ticks[-1] >= epochs and len(ticks) <= 6
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) <= 1


def test_divergent_epochs_are_found_and_the_sparkline_marks_them():
    losses = [1.0, 0.5, math.inf, math.nan, 0.2]
    assert divergent(losses) == [3, 4]
    line = sparkline(losses, 5)
    assert line[0] == "█" and line[2] == "✕" and line[3] == "✕" and line[4] == "▁"


# -- weight labels that degrade a layer at a time (tui/net_labels.py) -----------------------------------
def labelled(forms_1, forms_2) -> Content:  # type: ignore[no-untyped-def]
    """The 2-2-2 network after `b`, with the widths the widget measures (forms: net_labels.FORMS)."""
    return Content((2, 2, 2), (11, 18, 18, 14), (1, 3, 3, 1), (13, 14, 13, 9), (0, forms_1[0][0], forms_2[0][0]),
                   7, ((), forms_1, forms_2))


BACKWARD = labelled(((22, 1), (15, 2), (9, 3), (17, 1), (9, 1)), ((21, 1), (14, 2), (9, 3), (16, 1), (9, 1)))


@pytest.mark.parametrize(("width", "height", "forms", "y"), [
    (200, 30, (0, LONG, LONG), True),  # room: `0.4 ∂L/∂w 0.08217` on one row, the targets too
    (118, 14, (0, STACKED, STACKED), True),  # 120x40: `0.4` over `∂L/∂w 0.08217`
    (98, 20, (0, TALL, TALL), False),  # 100x30: the free rows take `∂L/∂w` and its figure
    (118, 11, (0, SHORT, SHORT), False),  # rows short too: one row, `0.4 ∂0.08217`
    (97, 11, (0, WEIGHT, WEIGHT), False),  # the weight alone, never no label at all
])
def test_labels_degrade_to_what_fits_and_every_neuron_stays(width, height, forms, y):
    lay = plan(BACKWARD, width, height)
    assert lay.labels and lay.forms == forms and lay.loss_labels == y
    assert all(len(col.units) == n for col, n in zip(lay.columns, (2, 2, 2, 1), strict=True))
    weights = [e for e in lay.edges if e.layer <= 2]
    assert len(weights) == 8 and all(e.label_w for e in weights)
    for e in weights:
        x, y0, _w, h = lay.box(e.layer, e.dst)
        assert y0 < e.run_y and e.run_y + e.label_rows - 1 < y0 + h - 1  # every line beside its target
        assert e.slope[2] < e.label_x and e.label_x + e.label_w < x  # the wire ends before its label begins
        others = [o for o in weights if o.layer == e.layer and o is not e]
        assert all(max(o.slope[0], o.slope[2]) < e.label_x for o in others)  # no other wire crosses it
    spans = {(e.layer, e.run_y + i) for e in weights for i in range(e.label_rows)}
    assert len(spans) == sum(e.label_rows for e in weights)  # no two labels share a row of a gap


def test_the_richer_layer_degrades_first_and_the_targets_go_before_three_row_labels():
    got = list(configs(BACKWARD))
    assert got[0] == Choice((0, LONG, LONG), True)
    assert got[1] == Choice((0, STACKED, LONG), True)  # fc1's labels are the wider: they give way first
    first_tall = next(i for i, c in enumerate(got) if TALL in c.forms)
    assert all(c.y for c in got[:first_tall - 1]) and not got[first_tall].y
    assert got[-1] == Choice((0, WEIGHT, WEIGHT), False)


def test_a_screenshot_keeps_braille_and_text_in_their_cells():
    from rich.style import Style

    from backprop_tui.tui.net_canvas import Canvas

    canvas = Canvas(30, 3, Style())
    canvas.line(0, 0, 8, 2, Style(color="blue"))
    canvas.put(10, 2, " 0.25 ──▸", Style(color="blue"))
    canvas.put(20, 1, "│ δ −0.0381", Style())
    for row in canvas.rows():
        for seg in row:
            assert len(seg.text) == 1 or not any(0x2800 <= ord(c) < 0x2900 for c in seg.text)
            assert seg.text == " " * len(seg.text) or not seg.text.startswith(" ")  # rsvg drops a leading space
    assert "".join(canvas.text()).count("0.25") == 1
