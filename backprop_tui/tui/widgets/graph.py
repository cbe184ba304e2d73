"""The graph: one Line-API widget; only the visible rows are drawn, each from the stored step state."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from backprop_tui.numbers import full, short
from backprop_tui.tui.graph_layout import Box, GraphLayout, cell_char
from backprop_tui.tui.messages import NodeSelected
from backprop_tui.tui.state import StepState

MIN_BOX, MAX_BOX = 26, 46


def fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


class GraphView(ScrollView, can_focus=True):
    """Boxes for names, arrows for the statement-level edges; the current step is highlighted."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph--box", "graph--current", "graph--selected", "graph--edge", "graph--edge-hot",
        "graph--unknown", "graph--hot", "graph--ok", "graph--bad", "graph--name",
    }
    DEFAULT_CSS = """
    GraphView { background: $surface; }
    GraphView > .graph--box { color: $foreground-muted; }
    GraphView > .graph--current { color: $accent; text-style: bold; }
    GraphView > .graph--selected { color: $secondary; text-style: bold; }
    GraphView > .graph--edge { color: $foreground-muted; }
    GraphView > .graph--edge-hot { color: $accent; text-style: bold; }
    GraphView > .graph--unknown { color: $foreground-muted; text-style: dim; }
    GraphView > .graph--hot { background: $accent 25%; text-style: bold; }
    GraphView > .graph--ok { color: $success; }
    GraphView > .graph--bad { color: $error; text-style: bold reverse; }
    GraphView > .graph--name { text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.layout_: GraphLayout | None = None
        self.state: StepState | None = None
        self.k = 0
        self.selected: str | None = None
        self._hot_box: str | None = None
        self._hot_rows: set[int] = set()
        self._hot_edges: set[int] = set()
        self._styles: dict[str, Style] = {}
        self._into: dict[str, list[int]] = {}
        self._from: dict[str, list[int]] = {}
        self._pair: dict[tuple[str, str], int] = {}

    # -- attributes down ---------------------------------------------------------------------------
    def set_trace(self, state: StepState, layout: GraphLayout) -> None:
        self.state, self.layout_ = state, layout
        self._into, self._from, self._pair = {}, {}, {}
        for e in layout.edges:
            self._into.setdefault(e.dst, []).append(e.index)
            self._from.setdefault(e.src, []).append(e.index)
            self._pair[(e.src, e.dst)] = e.index
        if self.selected not in layout.by_name:
            self.selected = None
        self._resize_virtual()
        self.show(min(self.k, state.n))

    def set_state(self, state: StepState) -> None:
        """The same graph with new figures (the referee answered): redraw, nothing moves."""
        self.state = state
        self.refresh()

    def show(self, k: int, scroll: bool = True) -> None:
        self.k = k
        self._hot_box, self._hot_rows, self._hot_edges = None, set(), set()
        step = self.state.step(k) if self.state else None
        if step is not None and self.layout_ is not None:
            box = self.layout_.by_name[step.target]
            self._hot_box = step.target
            if step.phase == "forward":
                self._hot_rows = {box.value_row}
                self._hot_edges = set(self._into.get(step.target, ()))
            elif step.phase == "local":
                wrt = step.wrt or ""
                self._hot_rows = {box.input_row(box.inputs.index(wrt))} if wrt in box.inputs else set()
                self._hot_edges = {self._pair[(wrt, step.target)]} if (wrt, step.target) in self._pair else set()
            elif step.phase == "backward":
                self._hot_rows = {box.grad_row}
                self._hot_edges = set(self._from.get(step.target, ()))
                for of, _, _ in step.terms:
                    consumer = self.layout_.by_name[of]
                    if step.target in consumer.inputs:
                        self._hot_rows.add(consumer.input_row(consumer.inputs.index(step.target)))
            if scroll:
                self.scroll_to_box(box)
        self.refresh()

    def select(self, name: str | None) -> None:
        self.selected = name
        if name and self.layout_ and name in self.layout_.by_name:
            self.scroll_to_box(self.layout_.by_name[name])
        self.refresh()

    def scroll_to_box(self, box: Box) -> None:
        top, bottom = box.top, box.top + box.height
        height = self.scrollable_content_region.height or self.size.height
        y = self.scroll_offset.y
        if top < y or bottom > y + height:
            target = top - 1 if box.height >= height else max(0, top - (height - box.height) // 2)
            self.scroll_to(0, max(0, target), animate=False, immediate=True)

    # -- geometry ----------------------------------------------------------------------------------
    def box_width(self) -> int:
        lanes = self.layout_.lanes_width if self.layout_ else 0
        return max(MIN_BOX, min(MAX_BOX, self.scrollable_content_region.width - lanes - 1))

    def _resize_virtual(self) -> None:
        if self.layout_ is None:
            self.virtual_size = Size(0, 0)
            return
        self.virtual_size = Size(self.layout_.lanes_width + self.box_width(), self.layout_.height)

    def on_resize(self, event: events.Resize) -> None:
        self._resize_virtual()

    def notify_style_update(self) -> None:
        self._styles = {}
        super().notify_style_update()

    def _st(self, name: str) -> Style:
        got = self._styles.get(name)
        if got is None:
            got = self._styles[name] = self.get_component_rich_style(name)
        return got

    # -- drawing -----------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        row = scroll_y + y
        g = self.layout_
        if g is None or self.state is None or row >= g.height:
            if g is None and y == 0:
                return Strip([Segment(" no program yet: type one in the editor (e)", base)]).crop_extend(
                    0, width, base)
            return Strip.blank(width, base)
        segments = self._lane_segments(g, row, base)
        b = g.row_box[row]
        if b >= 0:
            segments.extend(self._box_segments(g.boxes[b], row))
        return Strip(segments).crop_extend(scroll_x, scroll_x + width, base)

    def _lane_segments(self, g: GraphLayout, row: int, base: Style) -> list[Segment]:
        cells = g.cells.get(row)
        if not cells:
            return [Segment(" " * g.lanes_width, base)] if g.lanes_width else []
        edge, hot = self._st("graph--edge"), self._st("graph--edge-hot")
        out: list[Segment] = []
        for col in range(g.lanes_width):
            cell = cells.get(col)
            if cell is None:
                out.append(Segment(" ", base))
            else:
                out.append(Segment(cell_char(cell[0]), hot if cell[1] & self._hot_edges else edge))
        return out

    def _box_segments(self, box: Box, row: int) -> list[Segment]:
        bw = self.box_width()
        inner = bw - 2
        name = box.name
        border = self._st("graph--current" if name == self._hot_box else
                            "graph--selected" if name == self.selected else "graph--box")
        line = row - box.top
        if line == 0:
            label = fit(f" {name} = {box.op} ", inner - 1)
            return [Segment("╭─", border), Segment(label, self._st("graph--name")),
                    Segment("─" * (inner - 1 - len(label)) + "╮", border)]
        if line == box.height - 1:
            return [Segment("╰" + "─" * inner + "╯", border)]
        parts = self._row_parts(box, line)
        hot = row in self._hot_rows
        segs: list[Segment] = [Segment("│", border)]
        used = 0
        for text, style_name in parts:
            text = fit(text, inner - used)
            if not text:
                break
            style = self._st(style_name)
            if hot:
                style = style + self._st("graph--hot")
            segs.append(Segment(text, style))
            used += len(text)
        pad = self._st("graph--hot") if hot else self.rich_style
        segs.append(Segment(" " * (inner - used), pad))
        segs.append(Segment("│", border))
        return segs

    def _row_parts(self, box: Box, line: int) -> list[tuple[str, str]]:
        st, k, name = self.state, self.k, box.name
        assert st is not None
        full_ = name == self.selected
        num = full if full_ else short
        if line == 1:
            if not st.value_known(name, k):
                return [(" value ?", "graph--unknown")]
            return [(f" value {num(st.trace.values[name])}", "graph--name"),
                    *self._mark(st.value_step.get(name))]
        if line == 2:
            if not st.grad_known(name, k):
                return [(" grad  ?", "graph--unknown")]
            step = st.grad_step[name]
            if step.value is None:
                return [(" grad  none (constant)", "graph--box")]
            text = num(step.value)
            if len(step.terms) > 1:  # fan-out: the terms add up, visibly
                text = "Σ " + " + ".join(short(g * d) for _, g, d in step.terms) + " = " + text
            return [(f" grad  {text}", "graph--name"), *self._mark(step)]
        wrt = box.inputs[line - 3]
        head = f" ← {wrt}  ∂{name}/∂{wrt} = "
        if not st.local_known(name, wrt, k):
            return [(head + "?", "graph--unknown")]
        step = st.local_step[(name, wrt)]
        return [(head + num(step.value), "graph--box"), *self._mark(step)]

    def _mark(self, step) -> list[tuple[str, str]]:
        if step is None or step.ok is None:
            return []
        return [(" ✓", "graph--ok")] if step.ok else [(" ✗", "graph--bad")]

    # -- mouse ---------------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        g = self.layout_
        if g is None:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = offset.y + self.scroll_offset.y
        col = offset.x + self.scroll_offset.x
        if 0 <= row < g.height and g.row_box[row] >= 0 and col >= g.lanes_width:
            name = g.boxes[g.row_box[row]].name
            self.select(name)
            self.post_message(NodeSelected(name))
