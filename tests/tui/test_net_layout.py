"""The neuron diagram's geometry (tui/net_layout.py) and the loss plot's axes (tui/plot_scale.py): pure."""

from __future__ import annotations

import itertools
import math

import pytest

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
