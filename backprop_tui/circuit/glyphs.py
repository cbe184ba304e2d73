"""Box-drawing characters for wires, and the ASCII that stands in for them where a terminal cannot draw
them (`--ascii`, the Linux console): `+ - | >` and `d` for ∂. Text is measured in terminal cells with
rich.cells.cell_len (rich comes with Textual and is what draws the cells, so the layout's widths and the
screen's agree, wide CJK names included); never with len()."""

from __future__ import annotations

import os
import sys

UP, DOWN, LEFT, RIGHT = 1, 2, 4, 8
BOX = {
    UP | DOWN: "│", LEFT | RIGHT: "─", DOWN | RIGHT: "╭", UP | RIGHT: "╰", DOWN | LEFT: "╮", UP | LEFT: "╯",
    UP | DOWN | RIGHT: "├", UP | DOWN | LEFT: "┤", DOWN | LEFT | RIGHT: "┬", UP | LEFT | RIGHT: "┴",
    UP | DOWN | LEFT | RIGHT: "┼", LEFT: "─", RIGHT: "─", UP: "│", DOWN: "│",
}
CROSS = "┼"


class Glyphs:
    """The characters of one drawing: Unicode, or plain ASCII."""

    def __init__(self, ascii: bool = False) -> None:
        self.ascii = ascii
        self.h = "-" if ascii else "─"
        self.v = "|" if ascii else "│"
        self.arrow = ">" if ascii else "▶"
        self.partial = "d" if ascii else "∂"
        self.none = "-" if ascii else "—"
        self.to = "->" if ascii else "→"
        self.gate_left, self.gate_right = ("[", "]") if ascii else ("┤", "├")
        self.gate_top, self.gate_bottom, self.gate_mid, self.gate_side = (
            ("+", "+", "[", "|") if ascii else ("┐", "┘", "┤", "│"))
        self.cross = "+" if ascii else CROSS

    def box(self, flags: int) -> str:
        if self.ascii:
            if flags in (LEFT | RIGHT, LEFT, RIGHT):
                return "-"
            if flags in (UP | DOWN, UP, DOWN):
                return "|"
            return "+"
        return BOX.get(flags, " ")


def terminal_cannot_draw_boxes(environ: dict[str, str] | None = None, encoding: str | None = None) -> bool:
    """True where box drawing, ▶ and ∂ would come out as junk: the Linux console (TERM=linux, whose font
    has no rounded corners, ▶ or ∂), a vt100/vt220, or an output encoding that is not UTF-8."""
    env = os.environ if environ is None else environ
    term = env.get("TERM", "")
    if term == "linux" or term.startswith(("vt1", "vt2")):
        return True
    enc = (encoding if encoding is not None else getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    return enc.replace("-", "").replace("_", "") not in ("utf8", "utf8sig")
