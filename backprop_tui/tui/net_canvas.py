"""A grid of styled cells that the neuron diagram paints into, then reads back as rows of segments.

Braille cells merge their dots (two sloped edges through one cell keep both); the later paint's style wins,
so the diagram paints weak edges first. Uses rich only (no textual), so it can be unit-tested.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style

from backprop_tui.tui.net_layout import BRAILLE, line_dots

BOX = {"light": "╭╮╰╯─│", "heavy": "┏┓┗┛━┃"}


class Canvas:
    def __init__(self, width: int, height: int, base: Style) -> None:
        self.width, self.height, self.base = width, height, base
        self.chars = [[" "] * width for _ in range(height)]
        self.styles: list[list[Style]] = [[base] * width for _ in range(height)]
        self.dots: dict[tuple[int, int], int] = {}
        self._combined: dict[Style, Style] = {}

    def inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height

    def put(self, x: int, y: int, text: str, style: Style) -> None:
        if not 0 <= y < self.height:
            return
        style = self._on_base(style)
        row, styles = self.chars[y], self.styles[y]
        for i, ch in enumerate(text):
            if 0 <= x + i < self.width:
                row[x + i] = ch
                styles[x + i] = style
                self.dots.pop((x + i, y), None)

    def line(self, x0: int, y0: int, x1: int, y1: int, style: Style, thick: bool = False) -> None:
        """A sloped line in braille dots, from the centre of cell (x0, y0) to that of (x1, y1)."""
        style = self._on_base(style)
        width, height, dots, chars, styles = self.width, self.height, self.dots, self.chars, self.styles
        for cell, bits in line_dots(x0, y0, x1, y1, thick).items():
            x, y = cell
            if 0 <= x < width and 0 <= y < height:
                merged = dots.get(cell, 0) | bits
                dots[cell] = merged
                chars[y][x] = chr(BRAILLE + merged)
                styles[y][x] = style

    def hline(self, y: int, x0: int, x1: int, style: Style, char: str = "─") -> None:
        self.put(x0, y, char * max(0, x1 - x0 + 1), style)

    def box(self, x: int, y: int, w: int, h: int, style: Style, fill: Style, kind: str = "light") -> None:
        tl, tr, bl, br, hz, vt = BOX[kind]
        self.put(x, y, tl + hz * (w - 2) + tr, style)
        for i in range(1, h - 1):
            self.put(x, y + i, vt, style)
            self.put(x + 1, y + i, " " * (w - 2), fill)
            self.put(x + w - 1, y + i, vt, style)
        self.put(x, y + h - 1, bl + hz * (w - 2) + br, style)

    def _on_base(self, style: Style) -> Style:
        """Every cell carries the widget's background (a Line-API strip is drawn as given)."""
        got = self._combined.get(style)
        if got is None:
            got = self._combined[style] = self.base + style
        return got

    def rows(self) -> list[list[Segment]]:
        """Each row as segments: neighbouring text cells of one style joined, each braille cell a segment of
        its own, no text segment led by a space. For screenshots: an SVG renderer that ignores textLength
        (rsvg-convert) draws a fallback font's braille glyphs wider than a cell, so a run of them drifted
        right over a `▸`, a box's `│` and its `δ` row; and it drops a <text>'s leading space, which drew
        ` 0.25 ──▸` a cell to the left, onto the wire's last dot. Alone, each glyph starts in its own cell;
        split off, the spaces are no <text> at all (a background still gets its rectangle)."""
        out: list[list[Segment]] = []
        for chars, styles in zip(self.chars, self.styles, strict=True):
            segs: list[Segment] = []
            start = 0
            for i in range(1, self.width + 1):
                if i == self.width or styles[i] != styles[start] or _is_braille(chars[i]) or \
                        _is_braille(chars[start]):
                    text = "".join(chars[start:i])
                    lead = len(text) - len(text.lstrip(" "))
                    if 0 < lead < len(text):
                        segs.append(Segment(text[:lead], styles[start]))
                    segs.append(Segment(text[lead:] if 0 < lead < len(text) else text, styles[start]))
                    start = i
            out.append(segs)
        return out

    def text(self) -> list[str]:
        """The characters alone, one string per row (tests read these)."""
        return ["".join(r) for r in self.chars]


def _is_braille(ch: str) -> bool:
    return BRAILLE <= ord(ch) < BRAILLE + 256
