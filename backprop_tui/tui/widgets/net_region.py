"""The decision-region map beside the loss plot: half-block cells (two grid points each) coloured by the
predicted class, paler near the boundary, with the data rows on top as marks in their true class's colour and
shape (● class 0, ▲ class 1, …: readable without colour too), and a legend on the frame.

The class hues are not the diagram's orange and blue, which mean a weight's sign there."""

from __future__ import annotations

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from backprop_tui.network.region import RegionMap, region_map
from backprop_tui.network.spec import Spec

# class 0 magenta and class 1 green (apart for the common colour blindnesses, and from the diagram's weight
# signs, orange and blue); more classes get further hues
PALETTE = ("#d0509a", "#4cb860", "#d8c040", "#7f8ce8", "#40b8b8", "#b08050")
MARKS = ("●", "▲", "■", "◆", "▼", "◀")  # the data rows' true class, by shape as well as by colour


def blend(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    r0, g0, b0 = a
    r1, g1, b1 = b
    return round(r0 + (r1 - r0) * t), round(g0 + (g1 - g0) * t), round(b0 + (b1 - b0) * t)


def rgb(hex_color: str) -> tuple[int, int, int]:
    triplet = Color.parse(hex_color).get_truecolor()
    return triplet.red, triplet.green, triplet.blue


def legend(classes: int, width: int) -> str:
    """The frame's key (markup): each class's mark in its colour and its name, shorter when it would not fit."""
    def key(i: int, name: str) -> str:
        return f"[{PALETTE[i % len(PALETTE)]}]{MARKS[i % len(MARKS)]}[/] {name}"

    long = "  ".join(key(i, f"class {i}") for i in range(classes))
    plain = "  ".join(f"{MARKS[i % len(MARKS)]} class {i}" for i in range(classes))
    return long if len(plain) <= width - 2 else " ".join(key(i, str(i)) for i in range(classes))


class DecisionMap(Widget):
    DEFAULT_CSS = "DecisionMap { width: 1fr; height: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec: Spec | None = None
        self.params: dict[str, np.ndarray] | None = None
        self.map: RegionMap | None = None
        self._rows: list[Strip] | None = None

    def show(self, spec: Spec, params: dict[str, np.ndarray]) -> None:
        self.spec, self.params = spec, params
        self.border_subtitle = legend(max(int(spec.sizes[-1]), 2), self.size.width or 30)
        self._rows = None
        self.refresh()

    def on_resize(self) -> None:
        self._rows = None
        if self.spec is not None:
            self.border_subtitle = legend(max(int(self.spec.sizes[-1]), 2), self.size.width)

    def render_line(self, y: int) -> Strip:
        if self._rows is None:
            self._rows = self._paint()
        return self._rows[y] if y < len(self._rows) else Strip.blank(self.size.width, self.rich_style)

    def _paint(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        if self.spec is None or self.params is None or width < 2 or height < 1:
            return []
        m = self.map = region_map(self.spec, self.params, width, height)
        if m is None:
            return []
        bg = self.rich_style.bgcolor
        back = (bg.get_truecolor().red, bg.get_truecolor().green, bg.get_truecolor().blue) if bg else (30, 30, 30)
        hues = [rgb(PALETTE[i % len(PALETTE)]) for i in range(m.classes)]
        tint = np.clip(0.18 + 0.5 * m.confidence, 0.0, 0.68)
        pixel = [[blend(back, hues[int(m.predicted[r, c])], float(tint[r, c])) for c in range(width)]
                 for r in range(2 * height)]
        dots = {(c, r // 2): t for c, r, t in m.points}
        rows = []
        for y in range(height):
            segs = []
            for x in range(width):
                top, bottom = pixel[2 * y][x], pixel[2 * y + 1][x]
                cls = dots.get((x, y))
                if cls is not None:
                    style = Style(color=Color.from_rgb(*blend(hues[cls % len(hues)], (255, 255, 255), 0.1)),
                                  bgcolor=Color.from_rgb(*blend(top, bottom, 0.5)), bold=True)
                    segs.append(Segment(MARKS[cls % len(MARKS)], style))
                else:
                    segs.append(Segment("▀", Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))))
            rows.append(Strip(segs, width))
        return rows
