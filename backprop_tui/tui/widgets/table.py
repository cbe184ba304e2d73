"""Every variable: value, gradient, torch's gradient, check; a Line-API widget read from the step state."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from backprop_tui.numbers import short
from backprop_tui.tui.state import StepState
from backprop_tui.tui.widgets.styles import CachedComponentStyles

# the check before torch's figure: at 80 columns the mark stays in view and the figure can scroll
HEADERS = ("name", "value", "grad", "ok", "torch grad")
ESSENTIAL = 3  # name, value, grad: always whole; the columns after them show only where they fit whole


class VariableTable(CachedComponentStyles, ScrollView, can_focus=False):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "table--header", "table--current", "table--selected", "table--ok", "table--bad", "table--pending",
        "table--unknown", "table--undecided",
    }
    DEFAULT_CSS = """
    VariableTable { background: $surface; }
    VariableTable > .table--header { text-style: bold; color: $primary; }
    VariableTable > .table--current { background: $accent 25%; text-style: bold; }
    VariableTable > .table--selected { color: $secondary; text-style: bold; }
    VariableTable > .table--ok { color: $success; }
    VariableTable > .table--bad { color: $error; text-style: bold reverse; }
    VariableTable > .table--undecided { color: $warning; text-style: bold; }
    VariableTable > .table--pending { color: $warning; }
    VariableTable > .table--unknown { color: $foreground-muted; text-style: dim; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: StepState | None = None
        self.k = 0
        self.selected: str | None = None
        self.widths = [4, 5, 4, 2, 10]
        self.shown = len(HEADERS)  # the columns drawn: the first `shown` of HEADERS (see _fit)
        self.pad = 2  # blanks around each cell: 1 where the essential columns fit whole no other way
        self.names: list[str] = []
        self._base: Style | None = None
        self._values: dict[str, str] = {}  # each number's text, written once per state
        self._grads: dict[str, str] = {}
        self._torch: dict[str, str] = {}

    def set_state(self, state: StepState) -> None:
        self.state = state
        self.names = names = state.trace.names  # once: the trace builds this list on every call
        self._values, self._grads, self._torch = {}, {}, {}
        tv = [short(s.torch_value) for s in state.grad_step.values()]
        self.widths = [
            max([4, *map(len, names)]),
            max([5, *(len(short(v)) for v in state.trace.values.values())]),
            max([4, *(len(short(v)) for v in state.trace.grads.values())]),
            2,
            max([10, *map(len, tv)]),
        ]
        self._fit()
        self.refresh()

    def essential_width(self) -> int:
        """The outer width the essential columns need whole (border, and the scrollbar if rows scroll)."""
        chrome = self.outer_size.width - self.scrollable_content_region.width if self.size.width else 2
        if not self.show_vertical_scrollbar and len(self.names) + 1 > self.size.height:
            chrome += self.styles.scrollbar_size_vertical
        return sum(self.widths[:ESSENTIAL]) + 2 * ESSENTIAL + chrome

    def _fit(self) -> None:
        """Draw the essential columns, then each next one only if it fits whole (no header cut mid-word)."""
        room = self.scrollable_content_region.width or self.size.width
        shown, used = ESSENTIAL, sum(self.widths[:ESSENTIAL]) + 2 * ESSENTIAL
        self.pad = 2 if not room or used <= room else 1  # too narrow: one blank between the columns
        used -= (2 - self.pad) * ESSENTIAL
        for w in self.widths[ESSENTIAL:]:
            if room and used + w + 2 > room:
                break
            shown, used = shown + 1, used + w + 2
        self.shown = shown
        self.virtual_size = Size(used, len(self.names) + 1)

    def on_resize(self) -> None:
        self._fit()

    def show(self, k: int) -> None:
        self.k = k
        st = self.state
        step = st.step(k) if st else None
        if st is not None and step is not None:
            row = st.trace.program.index[step.target] + 1  # type: ignore[attr-defined]
            height = self.scrollable_content_region.height or self.size.height
            y = self.scroll_offset.y
            if row < y + 1 or row >= y + height:
                self.scroll_to(y=max(0, row - height // 2), animate=False, immediate=True)
        self.refresh()

    def _cells(self, texts: list[tuple[str, Style]], base: Style) -> list[Segment]:
        out: list[Segment] = []
        for i, (text, style) in enumerate(texts[: self.shown]):
            w = self.widths[i]
            cell = text.ljust(w) if i in (0, 3) else text.rjust(w)
            out.append(Segment(" " + cell + " " * (self.pad - 1), style if text else base))
        return out

    def _text(self, cache: dict, key: object, value: float | None) -> str:
        got = cache.get(key)
        if got is None:
            got = cache[key] = short(value)
        return got

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = self.rich_style  # once per render, not once per line (rich_style walks the DOM)
        try:
            return super().render_lines(crop)
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self._base or self.rich_style
        st = self.state
        if st is None:
            return Strip.blank(width, base)
        style = self._st
        if y == 0:  # the header stays put while the rows scroll
            head = style("table--header")
            segs = self._cells([(h, head) for h in HEADERS], base)
            return Strip(segs).crop_extend(scroll_x, scroll_x + width, base)
        row = scroll_y + y - 1
        names = self.names
        if row >= len(names):
            return Strip.blank(width, base)
        name, k = names[row], self.k
        step = st.step(k)
        row_style = base
        if step is not None and step.target == name:
            row_style = base + style("table--current")
        elif name == self.selected:
            row_style = base + style("table--selected")
        unknown = row_style + style("table--unknown")
        value = self._text(self._values, name, st.trace.values[name]) if st.value_known(name, k) else "?"
        gstep = st.grad_step.get(name)
        known = st.grad_known(name, k)
        grad = (self._text(self._grads, name, gstep.value) if gstep else "—") if known else "?"
        if not known or gstep is None:
            torch = ""
        elif not st.trace.checked:
            torch = "pending"
        else:
            torch = self._text(self._torch, name, gstep.torch_value)
        verdict = st.verdict(name, k)

        def ink(name: str) -> Style:  # the component's colour on the row's own background (the highlight)
            got = style(name)
            return row_style + Style(color=got.color, bold=got.bold, reverse=got.reverse)

        # ill-conditioned: cannot decide is a ?, never ✓ and never the red ✗ of a disagreement
        mark = {"agree": ("✓", ink("table--ok")), "undecided": ("?", ink("table--undecided"))}.get(
            verdict or "", ("✗", ink("table--bad")))
        if verdict is None:
            mark = ("…", ink("table--pending")) if (
                not st.trace.checked and st.value_known(name, k)) else ("", row_style)
        texts = [
            (name, row_style),
            (value, row_style if value != "?" else unknown),
            (grad, row_style if grad != "?" else unknown),
            mark,
            (torch, ink("table--pending") if torch == "pending" else row_style),
        ]
        segs = self._cells(texts, row_style)
        return Strip(segs).crop_extend(scroll_x, scroll_x + width, row_style)
