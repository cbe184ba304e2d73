"""Screenshots that look the same in every SVG renderer: a run of braille (the loss curve, the diagram's edges)
is written one <text> per cell.

Rich's SVG places a run of one style at its first cell and sets textLength to fit the run to its cells.
Renderers that ignore textLength (rsvg-convert and the viewers built on librsvg) draw braille in a fallback font
whose glyphs are wider than a cell (no common monospace font has braille), so a long run spills past its frame:
a loss curve ending at the plot's right edge was drawn several cells beyond it. One cell per <text> cannot.
"""

from __future__ import annotations

import html
import re

from rich.cells import cell_len

RUN = re.compile(r'<text class="([^"]*)" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)" clip-path="([^"]*)">'
                 r'([^<]*)</text>')


def braille(ch: str) -> bool:
    return "\u2800" <= ch <= "\u28ff"


def pin_cells(svg: str) -> str:
    """The SVG with every run holding braille split into one <text> per character, each at its own cell."""

    def split(m: re.Match[str]) -> str:
        cls, x, y, length, clip, body = m.groups()
        chars = html.unescape(body)
        if len(chars) < 2 or not any(braille(c) for c in chars) or cell_len(chars) != len(chars):
            return m.group(0)
        cell = float(length) / len(chars)  # braille and the spaces between are one cell each
        return "".join(
            f'<text class="{cls}" x="{float(x) + i * cell:.1f}" y="{y}" textLength="{cell:.1f}" '
            f'clip-path="{clip}">{html.escape(c, quote=False).replace(" ", "&#160;")}</text>'
            for i, c in enumerate(chars) if c not in " \u00a0")

    return RUN.sub(split, svg)
