"""The graph's part of the app: laying out the circuit (in a thread for large programs), the level
toggle `g` (statement / gate level), the fit toggle `z`, and lending the graph the left column's spare
width when that lets it fit (a mixin of BackpropApp)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from backprop_tui.circuit import Canvas, Structure, draw, model_of, structure_of
from backprop_tui.circuit.bands import MAX_LAYERS
from backprop_tui.circuit.fit import Plan, one_to_one, plan
from backprop_tui.engine.trace import Trace, build_trace
from backprop_tui.lang.program import Program
from backprop_tui.tui.building import no_gc
from backprop_tui.tui.messages import GraphPlanned
from backprop_tui.tui.widgets.graph import graph_theme_variables

if TYPE_CHECKING:
    from backprop_tui.tui.app import BackpropApp

    Base = BackpropApp
else:
    Base = object

LAYOUT_IN_THREAD = 200  # nodes: a larger program is laid out in a thread while the screen keeps drawing
# the left column (program and variables): app.tcss gives it 34% of the width, 24 to 48 cells; it lends the
# graph down to its 24 cells when the graph then fits in fewer bands (or at all)
LEFT_SHARE, LEFT_MIN, LEFT_MAX = 34, 24, 48
# the right column's rows: the graph takes what its circuit needs plus MARGIN, the step panel the rest; the
# graph plans with all but STEP_KEEP of them (so the step panel keeps at least those, content permitting)
MARGIN, STEP_KEEP = 2, 8
LEVELS = {"statement": "statements", "gate": "gates"}


Laid = tuple[Structure, Canvas, Plan]  # a circuit, its drawing, and the fit plan it was drawn to


def circuit_of(trace: Trace, ascii: bool, fit: bool, room: tuple[int, int]) -> Laid:
    """The circuit of a trace, drawn to fit `room` (the graph's content width and height) or 1:1. Pure:
    runs in a thread. It allocates ~50,000 objects for 1,000 nodes: no collection meanwhile (no_gc)."""
    with no_gc():
        structure = structure_of(model_of(trace, ascii))
        chosen = plan(structure, *room, ascii) if fit and room[0] > 0 else one_to_one(ascii)
        return structure, draw(structure, chosen.detail, chosen.cuts), chosen


class GraphActions(Base):
    level = "statement"  # or "gate": one node per primitive operation (engine.atomize)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **graph_theme_variables(self.current_theme.dark)}

    def program_for_level(self, program: Program) -> Program:
        if self.level == "gate":
            from backprop_tui.engine.atomize import atomize

            return atomize(program)
        return program

    def layout_job(self) -> Callable[[Trace], Laid | None]:
        """A trace's circuit with the graph's present settings, as a function safe in a thread (a large
        program's build lays it out in its own thread: building.build_parts)."""
        graph = self.graph
        ascii, fit, room = graph.ascii, graph.fit, graph.room()
        # a PyTorch script's circuit is one iteration's frame, drawn as the steps reach it (script_actions)
        return lambda trace: None if getattr(trace, "run", None) is not None else circuit_of(trace, ascii, fit, room)

    def lay_out(self, trace: Trace, laid: Laid | None = None) -> None:
        """Give the graph this trace's circuit: the one a thread has `laid` out already, else at once when
        small, else from a thread."""
        graph = self.graph
        self.title_graph()
        if laid is not None:
            graph.set_trace(self.state, *laid)
            return
        if len(trace.names) <= LAYOUT_IN_THREAD:
            graph.set_trace(self.state, structure_of(model_of(trace, graph.ascii)))
            return
        graph.set_waiting(f"laying out {len(trace.names):,} nodes…")
        self._lay_out_in_thread(self.generation, trace, graph.ascii, graph.fit, graph.room())

    @work(thread=True, exclusive=True, group="layout", description="lay out the circuit")  # no repr of the trace
    def _lay_out_in_thread(self, generation: int, trace: Trace, ascii: bool, fit: bool,
                           room: tuple[int, int]) -> None:
        self.call_from_thread(self._laid_out, generation, circuit_of(trace, ascii, fit, room))

    def _laid_out(self, generation: int, laid: Laid) -> None:
        if generation != self.generation or self.state is None:
            return  # the program changed meanwhile
        self.graph.set_trace(self.state, *laid)

    # -- the left column's width, lent to the graph --------------------------------------------------
    def on_graph_planned(self, message: GraphPlanned) -> None:  # named: @on is not collected from a mixin
        self.fit_columns()

    def fit_columns(self) -> None:
        """Narrow the left column (down to LEFT_MIN, never below the variables table's essential columns)
        when the graph, fitting, would then draw in fewer bands or fit at all; else give the column back
        its width. Then give the graph the rows its circuit needs and the step panel the rest. Decided from
        the screen's size and the circuit alone, so the resize it causes decides the same again."""
        if not self.query("#left"):
            return  # another screen is on top (the network screen): decided again when the chain's is back
        from backprop_tui.tui.widgets.table import VariableTable

        graph, left, step = self.graph, self.query_one("#left"), self.query_one("#step")
        width = self.size.width
        natural = min(LEFT_MAX, max(LEFT_MIN, width * LEFT_SHARE // 100))
        floor = max(LEFT_MIN, min(natural, self.query_one(VariableTable).essential_width()))
        target = natural
        st = graph.structure
        chrome = graph.outer_size.width - graph.scrollable_content_region.width  # border (and scrollbar)
        rows = graph.outer_size.height + step.outer_size.height  # the right column's, shared by the two
        chrome_y = graph.outer_size.height - graph.scrollable_content_region.height
        height = rows - chrome_y - min(STEP_KEEP, rows // 2)  # the most the graph may take
        chosen = None
        if graph.fit and st is not None and height > 0 and len(st.layers) <= MAX_LAYERS:
            chosen = usual = plan(st, width - natural - chrome, height, graph.ascii)
            if (usual.cuts or not usual.fits) and natural > floor:
                widest = plan(st, width - floor - chrome, height, graph.ascii)
                if widest.rank() < usual.rank():
                    target = max(floor, width - chrome - widest.width)
                    chosen = widest
        if target == natural:
            if left.styles.has_rule("width"):
                left.styles.width = None  # back to app.tcss's share
        elif left.styles.width is None or left.outer_size.width != target:
            left.styles.width = target
        self.lend_rows(st, chosen, rows, chrome_y)

    def lend_rows(self, st: Structure | None, chosen: Plan | None, rows: int, chrome_y: int) -> None:
        """The step panel may grow into every row the graph's circuit does not need (its drawing's height
        plus MARGIN); it scrolls beyond that (app.tcss)."""
        step = self.query_one("#step")
        if st is None or rows <= 0:
            cap = None  # nothing drawn yet: app.tcss's max-height
        else:
            need = chosen.height if chosen is not None and chosen.fits else st.height
            cap = max(min(STEP_KEEP, rows // 2), rows - chrome_y - need - MARGIN)
        if cap is not None or step.styles.has_rule("max_height"):
            step.styles.max_height = cap  # a relayout only when it changes

    def title_graph(self) -> None:
        graph = self.graph
        graph.border_title = f"graph · {LEVELS[self.level]} · {'fit' if graph.fit else '1:1'}"
        graph.border_subtitle = ("value above, gradient below, d= local" if graph.ascii else
                                 "value above · gradient below · ∂ local")

    # -- g: statement level / gate level -------------------------------------------------------------
    def action_toggle_level(self) -> None:
        if self.state is None or self.program is None:
            return
        from backprop_tui.circuit.levels import gate_k, statement_k, statement_of

        old, k = self.state.trace, self.k
        self.level = "gate" if self.level == "statement" else "statement"
        try:
            new = build_trace(self.program_for_level(self.program))
        except Exception as err:  # never crash on a program: stay where we were
            self.level = "gate" if self.level == "statement" else "statement"
            self.notify(f"cannot show the gate level: {err}", severity="warning")
            return
        if self.level == "gate":
            self.k = gate_k(old, new, k)
            mapping = "a statement step shows as its last gate step"
        else:
            self.k = statement_k(old, new, k)
            self.selected = statement_of(self.selected) if self.selected else None
            mapping = "a gate step shows as its statement's step"
        if self.selected is not None:
            self.graph.selected = self.selected
        self.install(new)
        self.request_check()
        what = "gate level: one node per operation" if self.level == "gate" else \
            "statement level: one node per statement"
        self.notify(f"{what}; step {k} → step {self.k} ({mapping})", timeout=4)

    # -- z: fit / 1:1 --------------------------------------------------------------------------------
    def action_toggle_fit(self) -> None:
        fit = self.graph.toggle_fit()
        self.fit_columns()
        self.title_graph()
        self.notify("fit: the most compact drawing that fits the panel" if fit else
                    "1:1: every formula and 4 significant digits; scroll to see the rest", timeout=3)
