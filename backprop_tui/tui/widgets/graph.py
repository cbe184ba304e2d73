"""The graph: the chain as a left-to-right circuit, drawn by one Line-API view that renders only the rows
in sight. The geometry is backprop_tui.circuit's; this widget only fills in the numbers known at step k.

Colours, one per meaning (theme variables, see GRAPH_COLOURS): the value above a wire, the gradient
below it, the local derivative where it enters its consumer. Red ($error) only where torch disagrees; an
ill-conditioned figure that the exact referee cannot decide is amber ($warning), a value or gradient with a ?.
Under NO_COLOR the positions and the `∂=` prefix carry the meaning, and the current step is bold and
underlined.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from backprop_tui.circuit import Canvas, Detail, Span, Structure, draw
from backprop_tui.circuit.fit import Plan, one_to_one, plan
from backprop_tui.tui.messages import GraphPlanned, NodeSelected
from backprop_tui.tui.state import StepState
from backprop_tui.tui.widgets.styles import CachedComponentStyles

# (dark theme, light theme): distinct from $success (✓), $warning (pending), $accent (the current step)
GRAPH_COLOURS = {
    "graph-value": ("#6cc4ff", "#0b5cad"),
    "graph-grad": ("#c792ea", "#7a3db8"),
    "graph-local": ("#e5c07b", "#8a6100"),
}


STYLE_OF = {kind: f"graph--{kind}" for kind in ("name", "gate", "value", "grad", "local", "share", "stub", "uses")}
STYLE_OF["accumulated"] = "graph--uses"  # a script leaf's `.grad 9`: this pass's gradient added to the last


def graph_theme_variables(dark: bool) -> dict[str, str]:
    return {name: pair[0 if dark else 1] for name, pair in GRAPH_COLOURS.items()}


class GraphView(CachedComponentStyles, ScrollView, can_focus=True):
    """The circuit at step k: values above the wires, gradients below, ∂ where each wire enters."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph--wire", "graph--wire-hot", "graph--name", "graph--gate", "graph--value", "graph--grad",
        "graph--local", "graph--share", "graph--unknown", "graph--hot", "graph--selected", "graph--bad",
        "graph--stub", "graph--uses", "graph--undecided",
    }
    DEFAULT_CSS = """
    GraphView { background: $surface; }
    GraphView > .graph--wire { color: $foreground-muted; }
    GraphView > .graph--wire-hot { color: $accent; text-style: bold; }
    GraphView > .graph--name { text-style: bold; }
    GraphView > .graph--gate { color: $foreground; }
    GraphView > .graph--value { color: $graph-value; }
    GraphView > .graph--grad { color: $graph-grad; }
    GraphView > .graph--local { color: $graph-local; }
    GraphView > .graph--share { color: $graph-grad; text-style: italic; }
    GraphView > .graph--unknown { color: $foreground-muted; text-style: dim; }
    GraphView > .graph--hot { background: $accent 30%; text-style: bold underline; }
    GraphView > .graph--selected { color: $secondary; text-style: bold reverse; }
    GraphView > .graph--bad { color: $error; text-style: bold reverse; }
    GraphView > .graph--undecided { color: $warning; text-style: bold reverse; }
    GraphView > .graph--stub { color: $foreground; text-style: italic; }
    GraphView > .graph--uses { color: $foreground-muted; text-style: italic; }
    """

    def __init__(self, *, id: str | None = None, ascii: bool = False) -> None:
        super().__init__(id=id)
        self.ascii = ascii
        self.structure: Structure | None = None
        self.canvas: Canvas | None = None
        self.detail: Detail | None = None
        self.cuts: tuple[int, ...] = ()  # the columns that begin a band (circuit.bands); () one band
        self.state: StepState | None = None
        self.k = 0
        self.selected: str | None = None
        self.fit = True  # fit: the most detailed drawing that fits; else 1:1, everything said
        self.placeholder = "no program yet: type one in the editor (e)"
        self._hot_labels: set[tuple[str, object]] = set()
        self._hot_wires: set[object] = set()
        self._pad = (0, 0)  # cells left and above the drawing, where it is smaller than the panel
        self._frame: tuple[int, Style] | None = None
        self._anchor: str | None = None  # the node last scrolled into view (the step's, or one found)

    # -- attributes down ---------------------------------------------------------------------------
    def set_trace(self, state: StepState, structure: Structure, canvas: Canvas | None = None,
                  chosen: Plan | None = None) -> None:
        """A new circuit (with its drawing and the plan it follows, when a thread has made it already)."""
        self.state, self.structure = state, structure
        if self.selected not in structure.slots:
            self.selected = None
        self.canvas = canvas
        self.detail, self.cuts = (chosen.detail, chosen.cuts) if chosen else (None, ())
        self._redraw(choose=canvas is None)
        self.show(min(self.k, state.n))

    def set_state(self, state: StepState) -> None:
        """The same graph with new figures (the referee answered): redraw, nothing moves."""
        self.state = state
        self.refresh()

    def set_waiting(self, text: str) -> None:
        """Nothing to draw yet (a large program being laid out): say so."""
        self.structure, self.canvas, self.placeholder = None, None, text
        self.virtual_size = Size(0, 0)
        self.refresh()

    def toggle_fit(self) -> bool:
        self.fit = not self.fit
        self._redraw()
        self.show(self.k)
        return self.fit

    def room(self) -> tuple[int, int]:
        """The cells the drawing may take: the content region (0, 0 before the first layout)."""
        region = self.scrollable_content_region
        return region.width or self.size.width, region.height or self.size.height

    def _choose_plan(self) -> Plan:
        width, height = self.room()
        if not self.fit or self.structure is None or width <= 0:
            return one_to_one(self.ascii)
        return plan(self.structure, width, height, self.ascii)

    def _redraw(self, choose: bool = True) -> None:
        if self.structure is None:
            return
        chosen = self._choose_plan() if choose or self.detail is None else Plan(self.detail, self.cuts)
        if (chosen.detail, chosen.cuts) != (self.detail, self.cuts) or self.canvas is None:
            self.detail, self.cuts = chosen.detail, chosen.cuts
            self.canvas = draw(self.structure, chosen.detail, chosen.cuts)
        self.virtual_size = Size(self.canvas.width, self.canvas.height)
        self._centre()
        self.refresh()
        if self.room()[0] > 0:
            self.post_message(GraphPlanned())

    def _centre(self) -> None:
        """A drawing smaller than the panel sits in its middle."""
        region = self.scrollable_content_region
        c = self.canvas
        if c is None:
            self._pad = (0, 0)
            return
        self._pad = (max(0, (region.width - c.width) // 2), max(0, (region.height - c.height) // 2))

    def show(self, k: int, scroll: bool = True) -> None:
        self.k = k
        self._hot_labels, self._hot_wires = set(), set()
        step = self.state.step(k) if self.state else None
        if step is not None and self.canvas is not None:
            target = step.target
            if step.phase == "forward":
                self._hot_labels = {("value", target), ("name", target), ("gate", target)}
                self._hot_wires = {(src, target) for src in self._inputs(target)}
            elif step.phase == "local":
                edge = (step.wrt, target)
                self._hot_labels = {("local", edge), ("stub", edge)}
                self._hot_wires = {edge}
            elif step.phase == "backward":
                self._hot_labels = {("grad", target)} | {("share", (target, of)) for of, _, _ in step.terms}
                self._hot_wires = {target}
            if scroll:
                self.scroll_to_node(target)
        self.refresh()

    def drawn_compound(self, name: str) -> bool:
        """Whether this node's gate is drawn as `ƒ` (a statement's formula that does not fit its gate)."""
        node = self.structure.model.by_name.get(name) if self.structure else None
        if node is None or node.is_leaf or self.detail is None:
            return False
        return (node.gate if self.detail.full_gates else node.gate_short) in ("ƒ", "f")

    def _inputs(self, name: str) -> tuple[str, ...]:
        node = self.structure.model.by_name.get(name) if self.structure else None
        return node.inputs if node else ()

    def select(self, name: str | None) -> None:
        self.selected = name
        if name:
            self.scroll_to_node(name)
        self.refresh()

    def scroll_to_node(self, name: str) -> None:
        box = self.canvas.boxes.get(name) if self.canvas else None
        if box is None:
            return
        self._anchor = name
        x0, y0, x1, y1 = box
        region = self.scrollable_content_region
        width, height = region.width or self.size.width, region.height or self.size.height
        sx, sy = self.scroll_offset
        x, y = sx, sy
        if x0 < sx or x1 > sx + width:
            x = max(0, x0 - max(0, (width - (x1 - x0)) // 2))
        if y0 < sy or y1 >= sy + height:
            y = max(0, y0 - max(0, (height - (y1 - y0 + 1)) // 2))
        if (x, y) != (sx, sy):
            self.scroll_to(x, y, animate=False, immediate=True)

    # -- geometry ----------------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self._redraw()
        self._centre()
        # the panel changes height as the step panel's text does: keep the node last brought into view there
        if self._anchor is not None:
            self.scroll_to_node(self._anchor)

    # -- drawing -----------------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # what every line reads, once per render rather than once per line (rich_style walks the DOM)
        self._frame = (self.scrollable_content_region.width, self.rich_style)
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width, base = self._frame or (self.scrollable_content_region.width, self.rich_style)
        canvas = self.canvas
        if canvas is None or self.state is None:
            if y == 0:
                return Strip([Segment(f" {self.placeholder}", base)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        pad_x, pad_y = self._pad
        row = scroll_y + y - pad_y
        scroll_x -= pad_x
        spans = canvas.spans_between(row, scroll_x, scroll_x + width)
        if not spans:
            return Strip.blank(width, base)
        start = min(spans[0].x, scroll_x)
        at = start
        segments: list[Segment] = []
        for span in spans:
            if span.x > at:
                segments.append(Segment(" " * (span.x - at), base))
            text, style = self._look(span)
            segments.append(Segment(text, style))
            at = span.x + max(span.width, cell_len(text))  # an undecided figure's ? takes the cell after it
        return Strip(segments).crop_extend(scroll_x - start, scroll_x - start + width, base)

    def _look(self, span: Span) -> tuple[str, Style]:
        """The text and style of one span at step k."""
        kind, ref = span.kind, span.ref
        st, k = self.state, self.k
        assert st is not None
        if kind in ("wire", "cross", "arrow"):
            return span.text, self._st("graph--wire-hot" if ref in self._hot_wires else "graph--wire")
        text, style_name, step = span.text, STYLE_OF[kind], None
        if kind == "value":
            known, step = st.value_known(ref, k), st.value_step.get(ref)
        elif kind == "grad":
            known, step = st.grad_known(ref, k), st.grad_step.get(ref)
        elif kind == "local":
            src, dst = ref
            known, step = st.local_known(dst, src, k), st.local_step.get((dst, src))
            if not known:
                text = text[: text.index("=") + 1] + "?"
        elif kind in ("share", "accumulated"):
            known = st.grad_known(ref if kind == "accumulated" else ref[0], k)
            if not known:
                return " " * span.width, self._frame[1] if self._frame else self.rich_style
        else:
            known = True
        if not known:
            if kind != "local":
                text = "?"
            style_name = "graph--unknown"
        style = self._st(style_name)
        if kind in ("name", "gate") and ref == self.selected:
            style = style + self._st("graph--selected")
        if step is not None and known and step.ok is False:
            if step.verdict == "undecided":  # ill-conditioned: cannot decide, never ✓ nor the red of ✗
                style = style + self._st("graph--undecided")
                if kind in ("value", "grad"):
                    text += "?"  # in the blank cell the drawing leaves after a value or a gradient
            else:
                style = style + self._st("graph--bad")
        if (kind, ref) in self._hot_labels:
            style = style + self._st("graph--hot")
        if known:
            return text, style  # the span's own text, as wide as its slot
        # a ∂ not yet known (`∂=?`) keeps its wire whole up to the arrow; other labels pad with blanks
        fill = ("-" if self.ascii else "─") if kind == "local" else " "
        return text + fill * (span.width - cell_len(text)), style

    def name_offset(self, name: str) -> tuple[int, int] | None:
        """Where a node's name is drawn, relative to the panel's content region (for a click), at the
        current scroll; None if it has no name drawn."""
        box = self.canvas.boxes.get(name) if self.canvas else None
        if box is None or self.canvas is None:
            return None
        for row in range(box[1], box[3] + 1):
            for span in self.canvas.rows[row]:
                if span.kind == "name" and span.ref == name:
                    sx, sy = self.scroll_offset
                    return span.x + self._pad[0] - sx, row + self._pad[1] - sy
        return None

    # -- mouse ---------------------------------------------------------------------------------------
    def node_at(self, x: int, y: int) -> str | None:
        """The node a click at canvas cell (x, y) means: a name, gate or label's node; a port's consumer;
        a stub's far value (its definition); a wire's source."""
        if self.canvas is None:
            return None
        span = self.canvas.at(y, x)
        if span is None:
            return None
        if isinstance(span.ref, tuple):
            return span.ref[0] if span.kind == "stub" else span.ref[1]
        return span.ref

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        name = self.node_at(offset.x + self.scroll_offset.x - self._pad[0],
                            offset.y + self.scroll_offset.y - self._pad[1])
        if name is not None:
            self.select(name)
            self.post_message(NodeSelected(name))
