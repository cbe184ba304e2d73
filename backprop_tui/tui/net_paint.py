"""Paint the neuron diagram onto a Canvas: edges first (weakest under strongest), then the neurons.

The current step's layer is highlighted: its neurons' row for the figure the step computes, or its weight
labels for a weight's gradient or update. The cursor's neuron has a heavy border and its incoming edges
are drawn bold. A figure torch disagrees with is shown in the error style (red is kept for that alone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.style import Style

from backprop_tui.network.neuron import unit_name
from backprop_tui.tui.net_canvas import Canvas
from backprop_tui.tui.net_layout import MARKER, Column, Edge, Layout, Slot

if TYPE_CHECKING:
    from backprop_tui.tui.widgets.net_diagram import NetDiagram

DENSE = 48  # more edges than this: all thin
ROW_OF = {"z": 0, "a": 1, "grad_a": 2, "fprime": 2, "delta": 2}


def sign_style(w: float, scale: float, bold: bool = False) -> tuple[Style, bool]:
    """(style, thick): blue for positive, orange for negative; brighter and thicker the larger |w|."""
    from backprop_tui.tui.widgets.net_diagram import NEGATIVE, POSITIVE

    if not np.isfinite(w):
        return Style(color="magenta", bold=True), True
    frac = abs(w) / scale if scale > 0 else 0.0
    color = POSITIVE if w >= 0 else NEGATIVE
    if frac > 0.66 or bold:
        return Style(color=color, bold=True), frac > 0.66
    if frac > 0.25:
        return Style(color=color), False
    return Style(color=color, dim=True), False


def paint(d: NetDiagram, canvas: Canvas, layout: Layout) -> None:
    v = d.view
    assert v is not None
    focus = d.focus_now()
    bad = _disagreements(d)
    params = d._params()
    cursor = v.cursor
    scales = {}
    for layer in range(1, v.spec.layers + 1):
        w = params[f"fc{layer}.weight"]
        finite = np.abs(w[np.isfinite(w)])
        scales[layer] = float(finite.max()) if finite.size else 0.0
    weights = [e for e in layout.edges if e.layer <= v.spec.layers]
    into_cursor = {(e.layer, e.src, e.dst) for e in weights if (e.layer, e.dst) == cursor}
    hot_edges = focus.kind == "weights"
    order = sorted(weights, key=lambda e: ((e.layer, e.src, e.dst) in into_cursor,
                                           abs(float(params[f"fc{e.layer}.weight"][e.dst, e.src]))))
    loss_style = d._st("diagram--box")
    for e in (e for e in layout.edges if e.layer > v.spec.layers):
        _loss_edge(d, canvas, e, loss_style, hot=focus.kind == "loss")
    dense = len(weights) > DENSE or layout.style == "compact"
    for e in order:
        w = float(params[f"fc{e.layer}.weight"][e.dst, e.src])
        picked = (e.layer, e.src, e.dst) in into_cursor
        style, thick = sign_style(w, scales[e.layer], bold=picked)
        if dense and not picked:  # many edges: thin, and the weak ones faint, so the picture stays legible
            thick = False
            style = style + Style(bold=False) if abs(w) > 0.66 * scales[e.layer] else style + Style(dim=True)
        x0, y0, x1, y1 = e.slope
        canvas.line(x0, y0, x1, y1, style, thick or picked)
        y, xa, xb = e.run
        canvas.hline(y, xa, xb - 1, style, "━" if thick or picked else "─")
        canvas.put(xb, y, "▸", style)
        if e.label_w and layout.labels:
            label_style = style
            if hot_edges and e.layer == focus.layer:
                label_style = style + Style(reverse=True, bold=True)
            if (e.layer, "weights") in bad:
                label_style = d._st("diagram--bad")
            lines = d.label_lines(e.layer, e.dst, e.src, layout.forms[e.layer])
            canvas.put(e.label_x, y, f" {lines[0]} "[: e.label_w], label_style)
            for i, text in enumerate(lines[1: e.label_rows], 1):  # under the run, up to the arrow's column
                canvas.put(e.label_x, y + i, f" {text}"[: e.label_w + 1], label_style)
    zs, acts = d._values()
    for col in layout.columns:
        for slot in col.slots:
            if slot.is_marker:
                _marker(d, canvas, col, slot)
            elif col.layer > v.spec.layers:
                _loss_box(d, canvas, layout, col, slot, focus.kind == "loss")
            elif layout.style == "full":
                _full_box(d, canvas, col, slot, zs, acts, focus, bad)
            else:
                _compact_box(d, canvas, col, slot, zs, acts, focus)


def _disagreements(d: NetDiagram) -> set[tuple[int, str]]:
    """(layer, figure or "weights") of each step torch disagreed with, among the steps taken."""
    v = d.view
    assert v is not None
    out: set[tuple[int, str]] = set()
    if v.live is not None:
        return out
    for s in v.net.steps[: v.k]:
        if s.ok is False:
            f = v.reveal.focus_at(s.index + 1)
            out.add((f.layer, "weights" if f.kind == "weights" else f.what or f.kind))
    return out


def _loss_edge(d: NetDiagram, canvas: Canvas, e: Edge, style: Style, hot: bool) -> None:
    v = d.view
    assert v is not None
    x0, y0, x1, y1 = e.slope
    y, xa, xb = e.run
    if hot:
        style = d._st("diagram--current")
    canvas.hline(y, xa, xb, style)
    canvas.line(x0, y0, x1, y1, style)
    if e.label_w:
        from backprop_tui.tui.widgets.net_diagram import v4

        canvas.put(e.label_x, y, f" y {v4(float(v.spec.y[v.row, e.src]))}"[: e.label_w], d._st("diagram--box"))


def _border(d: NetDiagram, col: Column, slot: Slot, hot: bool) -> tuple[Style, str]:
    v = d.view
    assert v is not None
    if (col.layer, slot.unit) == v.cursor:
        return d._st("diagram--cursor"), "heavy"
    return (d._st("diagram--current") if hot else d._st("diagram--box")), "light"


def _full_box(d: NetDiagram, canvas: Canvas, col: Column, slot: Slot, zs: list[np.ndarray],
              acts: list[np.ndarray], focus, bad: set[tuple[int, str]]) -> None:  # type: ignore[no-untyped-def]
    from backprop_tui.tui.widgets.net_diagram import v4

    v = d.view
    assert v is not None
    layer, unit = col.layer, slot.unit
    hot_layer = (focus.kind == "neurons" and focus.layer == layer) or (focus.kind == "weights" and
                                                                        focus.layer == layer)
    border, kind = _border(d, col, slot, hot_layer)
    canvas.box(col.x, slot.y, col.width, slot.height, border, d.rich_style, kind)
    name = unit_name(v.spec.sizes, layer, unit)
    canvas.put(col.x + 2, slot.y, f" {name} ", d._st("diagram--name"))
    if layer > 0:
        b = float(d._params()[f"fc{layer}.bias"][unit])
        tag = f" b {v4(b)} "
        canvas.put(col.x + col.width - 2 - len(tag), slot.y, tag, border)
    rows = d.neuron_rows(layer, unit, zs, acts)
    inner = col.width - 4
    top = slot.y + 1 + max(0, (slot.height - 2 - len(rows)) // 2)
    for i, (text, style_name) in enumerate(rows):
        style = d._st(style_name)
        figure = focus.what if focus.kind == "neurons" else ""
        if hot_layer and focus.kind == "neurons" and ROW_OF.get(figure) == i:
            style = style + d._st("diagram--hot")
            if style_name == "diagram--ask":  # the quiz's `?` keeps its colour on the highlighted row
                style = style + Style(color=d._st("diagram--ask").color)
        if any(ROW_OF.get(what) == i for (bl, what) in bad if bl == layer):
            style = d._st("diagram--bad")
        canvas.put(col.x + 2, top + i, text.ljust(inner)[:inner], style)


def _compact_box(d: NetDiagram, canvas: Canvas, col: Column, slot: Slot, zs: list[np.ndarray],
                 acts: list[np.ndarray], focus) -> None:  # type: ignore[no-untyped-def]
    v = d.view
    assert v is not None
    layer, unit = col.layer, slot.unit
    value = d.compact_value(layer, unit, zs, acts)
    name = unit_name(v.spec.sizes, layer, unit)
    hot = focus.kind in ("neurons", "weights") and focus.layer == layer
    style = d._st("diagram--cursor") + Style(reverse=True) if (layer, unit) == v.cursor else \
        d._st("diagram--hot") if hot else d._st("diagram--text") + Style(bgcolor="grey19")
    canvas.put(col.x, slot.y, f"{name} {value}".ljust(col.width)[: col.width], style)


def _loss_box(d: NetDiagram, canvas: Canvas, layout: Layout, col: Column, slot: Slot, hot: bool) -> None:
    border = d._st("diagram--current") if hot else d._st("diagram--box")
    text = d._loss_text()
    if layout.style == "full":
        canvas.box(col.x, slot.y, col.width, slot.height, border, d.rich_style)
        canvas.put(col.x + 1, slot.y, f" {d._loss_title()} "[: col.width - 2], d._st("diagram--name"))
        style = d._st("diagram--text") + (d._st("diagram--hot") if hot else Style())
        canvas.put(col.x + 2, slot.y + 1, text.ljust(col.width - 4)[: col.width - 4], style)
    else:
        canvas.put(col.x, slot.y, f"L {text}".ljust(col.width)[: col.width], border + Style(bold=True))


def _marker(d: NetDiagram, canvas: Canvas, col: Column, slot: Slot) -> None:
    text = f"{MARKER} {slot.hidden} more"
    canvas.put(col.x + max(0, (col.width - len(text)) // 2), slot.y, text[: col.width], d._st("diagram--marker"))
