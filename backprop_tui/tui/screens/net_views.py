"""The network screen's regions drawn (a mixin of NetworkScreen): the diagram, the step and neuron panels, the
matrix view, the status line and the tabs of a small screen, and how the rows are shared among them.

Every view reads `self.seen`, the trace's reveal with the quiz's pending numbers hidden (net_quiz.visible),
computed once per redraw after the quiz has counted the steps passed (quiz_show)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from backprop_tui.network.neuron import unit_name
from backprop_tui.tui.widgets.net_detail import NeuronDetail
from backprop_tui.tui.widgets.net_diagram import NetDiagram, View
from backprop_tui.tui.widgets.net_steps import MatrixTable, StepList, step_text

if TYPE_CHECKING:
    from backprop_tui.tui.screens.network import NetworkScreen

    Base = NetworkScreen
else:
    Base = object

PANELS = ("step", "neuron", "training")
MIDDLE_ROWS = (7, 16)  # the step and neuron panels: at least, at most (the diagram has the rest)
DIAGRAM_MARGIN = 3  # rows the diagram keeps beyond its need, so the picture breathes
QUIZ_ROWS = 6  # the quiz panel, while on: its border, the question, the input row and a line of feedback
QUIZ_MAX_ROWS = 8  # the quiz panel at its tallest on a small screen (a three-line hint)
SMALL_QUIZ_ROWS = 5  # a small screen's lower panel with the quiz on, at least (it scrolls)
SMALL_DIAGRAM = 6  # the diagram's rows on a small screen with the quiz on, at least (network.tcss)


class ViewsMixin(Base):
    def fit_panels(self) -> None:
        """The diagram comes first: it gets the rows to show every neuron in full if it can, and the step and
        neuron panels share what is left (between MIDDLE_ROWS); on small screens the panels take turns."""
        width, height = self.app.size
        lo, hi = MIDDLE_ROWS
        quiz = QUIZ_ROWS if self.quiz.on else 0
        self.set_class(self.quiz.on, "-quiz")
        rows = lo if self.has_class("-small") else hi
        if self.has_class("-small") and self.quiz.on:  # the quiz panel first, then what the diagram needs
            wanted = self.query_one(NetDiagram).rows_wanted(width - 2)
            diagram = max(SMALL_DIAGRAM, (wanted[2] + 2) if wanted else SMALL_DIAGRAM)
            rows = max(SMALL_QUIZ_ROWS, min(lo, height - 3 - QUIZ_MAX_ROWS - diagram))
        if not self.has_class("-small"):
            train = 6 if self.has_class("-untrained") else 9 if self.has_class("-medium") else 11
            room = height - 2 - train - 2 - quiz  # status, footer, the training row, the diagram's border
            for want in self.query_one(NetDiagram).rows_wanted(width - 2):
                if room - want >= lo:  # this picture fits: with a margin if there is room for one
                    rows = min(hi, max(lo, room - want - DIAGRAM_MARGIN))
                    break
            else:
                rows = lo
        for sel in ("#net-middle", "#net-step", "#net-detail"):
            self.query_one(sel).styles.max_height = rows

    # -- views -------------------------------------------------------------------------------------
    def refresh_views(self) -> None:
        seen = self.seen = self.quiz_at()  # first: the quiz counts the steps passed as shown
        self.quiz_show(seen)
        self.query_one(NetDiagram).show(self.view())
        here = [w for w in self.warnings if self.k - 1 in w.steps]
        self.query_one("#net-step-text", Static).update(
            step_text(self.net, self.k, self.check_enabled, self.torch_error, self.cell, seen, here))
        self.query_one(StepList).mark_asked(self.asked_steps())
        self._show_detail()
        if self.has_class("-matrix"):
            title = self.query_one(MatrixTable).show(self.net, self.k, self.row, seen.hidden_at(self.k))
            self.query_one("#net-view").border_subtitle = title
            steps = self.query_one(StepList)
            if self.k >= 1 and steps.row_count >= self.k:
                steps.move_cursor(row=self.k - 1, animate=False)
        else:
            self.query_one("#net-view").border_subtitle = ("blue +, orange −, thicker = larger |w| · "
                                                           f"data row {self.row} of {len(self.spec.x)} (r)")
        self.query_one("#net-status", Static).update(self.status())
        self._footer_chain()

    def view(self) -> View:
        return View(self.spec, self.net, self.pass_, self.seen, self.k, self.row, self.cursor,
                    self.live_params if self.training else None, self.live_loss, self.epoch)

    def _show_detail(self) -> None:
        detail = self.query_one(NeuronDetail)
        if self.training:
            detail.show_training(self.epoch, self.epochs_total)
            return
        layer, unit = self.cursor
        detail.show_neuron(self.spec, self.net, self.pass_, self.seen, self.k, layer, unit, self.row)
        name = "L" if layer > self.spec.layers else unit_name(self.spec.sizes, layer, unit)
        self.query_one("#net-detail").border_title = f"neuron {name}"

    def status(self):  # type: ignore[no-untyped-def]
        from rich.text import Text

        n = len(self.net.steps)
        step = self.net.steps[self.k - 1] if self.k else None
        head = f"step {self.k}/{n} ({step.phase if step else 'start'})"
        if self.training:
            head += f" · training epoch {self.epoch}/{self.epochs_total}" + (
                " · PAUSED (space resumes)" if self.paused.is_set() else "")
        bad = sum(1 for s in self.net.steps if s.ok is False)
        torch = ("torch check off" if not self.check_enabled else f"torch unavailable: {self.torch_error}"
                 if self.torch_error else "torch: checking…" if not self.net.checked else
                 f"✗ torch disagrees on {bad} of {n} steps" if bad else f"✓ torch agrees on all {n} steps")
        out = Text(head + " · ")
        out.append(torch, "red" if bad or self.torch_error else "green" if self.net.checked else "yellow")
        if self.message:
            out.append(" · " + self.seen.mask(self.message))  # quiz: `u`'s message names the new loss
        return out

    def _tabs(self) -> None:
        names = {"step": "step", "neuron": "neuron", "training": "training"}
        parts = [f"[reverse b] {names[p]} [/]" if p == self.panel else f"[@click=screen.panel('{p}')] {names[p]} [/]"
                 for p in PANELS]
        self.query_one("#net-tabs", Static).update("  ".join(parts) + "   [dim]v: next panel[/]")
