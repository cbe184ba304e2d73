"""The network screen: a neuron diagram at the centre, the current step written out, the selected neuron's
arithmetic, and training you can watch.

Regions (each in its own module): the diagram (widgets/net_diagram.py, geometry in tui/net_layout.py), the
steps (widgets/net_steps.py: the step panel, the step list and the matrix view behind `m`), the detail
(widgets/net_detail.py) and training (screens/net_train.py, widgets/net_training.py, net_region.py).
At small sizes the lower region shows one panel at a time (`v` or a click picks it): the diagram and the
step come first, then the neuron detail, then training.

Self-contained: push `NetworkScreen(spec)` on any app. It posts `NetworkScreen.OpenChain(text, neuron, row)`
for `c`. torch runs in its own process (network.remote.RemoteChecker), called from worker threads; an app
may pass its own checkers instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Log, ProgressBar, Static

from backprop_tui.engine.step import Step
from backprop_tui.engine.warnings import LearningWarning
from backprop_tui.network.cli import EpochChecker
from backprop_tui.network.engine import NetTrace, full_pass, trace
from backprop_tui.network.region import applies as has_map
from backprop_tui.network.remote import RemoteChecker
from backprop_tui.network.report import describe
from backprop_tui.network.reveal import Reveal
from backprop_tui.network.spec import Spec
from backprop_tui.network.warnings import trace_warnings
from backprop_tui.numbers import short
from backprop_tui.tui.commands import NetworkCommands
from backprop_tui.tui.screens.net_quiz import TYPED, NetQuizMixin
from backprop_tui.tui.screens.net_save import NetSaveMixin
from backprop_tui.tui.screens.net_select import SelectionMixin
from backprop_tui.tui.screens.net_train import TrainingMixin
from backprop_tui.tui.screens.net_views import PANELS, ViewsMixin
from backprop_tui.tui.widgets.footer import KeysFooter
from backprop_tui.tui.widgets.net_detail import NeuronDetail
from backprop_tui.tui.widgets.net_diagram import NetDiagram
from backprop_tui.tui.widgets.net_region import DecisionMap
from backprop_tui.tui.widgets.net_steps import MatrixTable, StepList
from backprop_tui.tui.widgets.net_training import LossPlot, NumberInput
from backprop_tui.tui.widgets.quiz import QuizPanel

TraceChecker = Callable[[NetTrace], NetTrace]
STEPPING = {"next", "previous", "first", "last", "finish_forward", "run_backward", "update"}
SMALL_HEIGHT, SMALL_WIDTH, TALL_HEIGHT = 34, 90, 42


class NetworkScreen(ViewsMixin, NetQuizMixin, SelectionMixin, NetSaveMixin, TrainingMixin, Screen[None]):
    AUTO_FOCUS = "#net-diagram"
    COMMANDS: ClassVar = {NetworkCommands}
    CSS_PATH = "network.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,n", "next", "Next", priority=True),
        Binding("left,p", "previous", "Prev", priority=True),
        Binding("home", "first", "Start", show=False, priority=True),
        Binding("end", "last", "End", show=False, priority=True),
        Binding("f", "finish_forward", "Forward", priority=True),
        Binding("b", "run_backward", "Backward", priority=True),
        Binding("u", "update", "Update", priority=True),
        Binding("up", "cursor(-1)", "↑↓ neuron", show=False),
        Binding("down", "cursor(1)", "↓ neuron", show=False),
        Binding("left_square_bracket", "layer(-1)", "[ layer", show=False, priority=True),
        Binding("right_square_bracket", "layer(1)", "] layer", show=False, priority=True),
        Binding("enter", "select", "Select", show=False),
        Binding("r", "row(1)", "Next row", show=False, priority=True),
        Binding("R", "row(-1)", "Previous row", show=False, priority=True),
        Binding("c", "chain", "Neuron chain", priority=True),
        Binding("m", "matrix", "Matrices", priority=True),
        Binding("t", "train", "Train", priority=True),
        Binding("space", "pause", "Pause", priority=True),
        Binding("s", "save", "Save", show=False, priority=True),  # the training panel says it
        Binding("v", "panel", "Next panel", priority=True),
        Binding("q", "quiz", "Quiz", priority=True),
        Binding("question_mark", "help", "Help", priority=True),
        Binding("f1", "help_f1", "Help", show=False),  # also while typing in the quiz (where ? is typed)
        Binding("escape", "leave", "Back"),
    ]

    @dataclass
    class OpenChain(Message):
        """Open this neuron's scalar program (for one data row) in the chain view."""

        text: str
        neuron: str
        row: int

    def __init__(self, spec: Spec, *, check: bool = True, trace_checker: TraceChecker | None = None,
                 epoch_checker: EpochChecker | None = None, path: str | None = None,
                 quiz: frozenset[str] | None = None, name: str | None = None) -> None:
        """quiz: start in quiz mode asking these phases (quiz.PHASES; `--quiz`), None: off (`q` turns it on)."""
        super().__init__(name=name)
        self.spec = spec
        self.path = path
        self.check_enabled = check
        self._remote: RemoteChecker | None = None  # torch in its own process, started on first use
        self.trace_checker: TraceChecker = trace_checker or (lambda net: self.remote().check_trace(net))
        self.epoch_checker: EpochChecker = epoch_checker or (lambda spec, start: self.remote().check_epoch(spec, start))
        self.net: NetTrace = trace(spec)
        self.pass_ = full_pass(spec, self.net.params)
        self.reveal = Reveal.of(self.net)
        self.seen = self.reveal  # what the views may show: the reveal with the quiz's pending numbers hidden
        self.warnings: tuple[LearningWarning, ...] = ()  # the trace's (network.warnings), by step in the panel
        self.k = 0
        self.row = 0
        self.cursor: tuple[int, int] = (spec.layers, 0)  # the first output: where the loss enters
        self.panel = "step"
        self.generation = 0
        self.torch_error: str | None = None
        self.message = ""
        self.cell: tuple[str, float, float | None] | None = None  # a matrix cell picked: full precision
        self.init_training()
        self.init_saving()
        self.init_quiz(quiz)

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="net-view"):
            yield NetDiagram(id="net-diagram")
            with Horizontal(id="net-matrix-view"):
                yield StepList(id="net-steps", cursor_type="row", zebra_stripes=True)
                yield MatrixTable(id="net-matrix", cursor_type="cell")
        yield Static(id="net-tabs")
        with Horizontal(id="net-middle"):
            with VerticalScroll(id="net-step"):
                yield Static(id="net-step-text")
            with VerticalScroll(id="net-detail"):
                yield NeuronDetail(id="net-detail-text")
        yield QuizPanel(id="net-quiz")
        with Horizontal(id="net-train"):
            with Vertical(id="net-controls"):
                yield NumberInput(short(self.spec.lr), id="net-lr", placeholder="learning rate", type="number")
                yield NumberInput(str(self.spec.epochs), id="net-epochs", placeholder="epochs", type="integer")
                yield ProgressBar(id="net-progress", show_eta=False, show_percentage=True)
                yield Static("t train · space pause\nescape stop · s save", id="net-hint")
            yield LossPlot(id="net-plot")
            yield DecisionMap(id="net-map")
            yield Log(id="net-log", max_lines=2000)
        yield Static(id="net-spark")
        yield Static(id="net-warn")
        yield Static(id="net-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        try:
            self._set_up()
        except NoMatches:  # the app stopped while this screen was mounting: its widgets are going
            if self.app.is_running and self.is_attached and not self._closing:
                raise

    def _set_up(self) -> None:
        view = self.query_one("#net-view")
        view.border_title = describe(self.spec)
        self.query_one("#net-step").border_title = "step"
        self.query_one("#net-detail").border_title = "neuron"
        self.query_one("#net-controls").border_title = "lr · epochs"
        self.query_one("#net-plot").border_title = "loss"
        self.query_one("#net-map").border_title = "decision map"
        self.query_one("#net-log").border_title = "epochs"
        self.set_class(not has_map(self.spec), "-no-map")
        self.set_class(True, f"-panel-{self.panel}")
        self.set_class(True, "-untrained")
        self.query_one(DecisionMap).show(self.spec, self.spec.params)
        self.query_one(ProgressBar).update(total=self.spec.epochs, progress=0)  # a still bar, not a pulse
        self.install(self.net, quiz_from=0)
        self._size_classes(self.app.size.width, self.app.size.height)
        if self.quiz.on:
            self.quiz_panel.input.focus()  # --quiz: enter starts, typing answers

    def on_resize(self, event: events.Resize) -> None:
        self._size_classes(event.size.width, event.size.height)

    def _size_classes(self, width: int, height: int) -> None:
        small = height < SMALL_HEIGHT or width < SMALL_WIDTH
        self.set_class(small, "-small")
        self.set_class(not small and height < TALL_HEIGHT, "-medium")
        self._tabs()
        self.fit_panels()
        self.refresh_bindings()

    def remote(self) -> RemoteChecker:
        if self._remote is None:
            self._remote = RemoteChecker()
        return self._remote

    def on_unmount(self) -> None:
        self.stop_training()
        if self._remote is not None:
            self._remote.close()

    # -- the trace ---------------------------------------------------------------------------------
    def install(self, net: NetTrace, check: bool = True, quiz_from: int | None = None) -> None:
        """Show a (new) trace; ask torch about it in a worker thread. quiz_from: in quiz mode, the position
        from which the quiz asks (the steps before it count as shown); None: as far as the quiz had come."""
        self.net = net
        self.pass_ = full_pass(self.spec, net.params)
        self.reveal = Reveal.of(net)
        with np.errstate(all="ignore"):
            self.warnings = trace_warnings(net)
        self.generation += 1
        self.k = min(self.k, len(net.steps))
        self.row = min(self.row, len(self.spec.x) - 1)
        self.query_one(StepList).fill(net, self.check_enabled, self.warned_steps())
        self.quiz_panel.forget_feedback()  # about the last trace's numbers
        self.quiz_load(start=quiz_from)
        self.refresh_views()
        if check and self.check_enabled and not net.checked:
            self._check(self.generation, net)

    @work(thread=True, group="net-check", exclusive=True)
    def _check(self, generation: int, net: NetTrace) -> None:
        try:
            checked = self.trace_checker(net)
        except Exception as err:  # torch missing or broken: say so, keep stepping
            self.app.call_from_thread(self._checked, generation, None, f"{type(err).__name__}: {err}")
            return
        self.app.call_from_thread(self._checked, generation, checked, None)

    def _checked(self, generation: int, net: NetTrace | None, error: str | None) -> None:
        if generation != self.generation or not self.is_attached:  # stale, or the app is closing
            return
        self.torch_error = error
        if net is not None:
            self.net = net
        with contextlib.suppress(NoMatches):  # the app closed while torch was answering
            self.query_one(StepList).fill(self.net, self.check_enabled, self.warned_steps())
            self.refresh_views()

    def check_settled(self) -> bool:
        """Nothing is running: no training, and torch has answered for the trace on screen (or cannot)."""
        return not self.training and (not self.check_enabled or self.torch_error is not None or self.net.checked)

    # -- stepping ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """False hides a key (it has nothing to do here), None shows it dimmed (not now)."""
        if action in TYPED and self.typing_in_quiz():
            return False  # the quiz input has the keys: the letter, digit or arrow is typed there
        if action == "panel" and not self.has_class("-small"):
            return False  # every panel is on screen
        if action == "pause" and not self.training:
            return False
        if action == "chain" and not 1 <= self.cursor[0] <= self.spec.layers:
            return None  # the cursor is on an input or the loss: not a neuron with weights
        if self.training and action in STEPPING:
            return None  # the trace steps again when training stops
        return True

    @property
    def current(self) -> Step | None:
        return self.net.steps[self.k - 1] if 1 <= self.k <= len(self.net.steps) else None

    def go(self, k: int) -> None:
        self.k = max(0, min(k, len(self.net.steps)))
        self.cell = None
        self.refresh_views()

    def _end_of(self, phases: tuple[str, ...]) -> int:
        return max((s.index + 1 for s in self.net.steps if s.phase in phases), default=0)

    def action_next(self) -> None:
        self.go(self.k + 1)

    def action_previous(self) -> None:
        self.go(self.k - 1)

    def action_first(self) -> None:
        self.go(0)

    def action_last(self) -> None:
        self.go(len(self.net.steps))

    def action_finish_forward(self) -> None:
        self.go(max(self.k, self._end_of(("forward", "loss"))))

    def action_run_backward(self) -> None:
        self.go(max(self.k, self._end_of(("forward", "loss", "local", "backward"))))

    @on(DataTable.RowSelected, "#net-steps")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.go(event.cursor_row + 1)

    def action_update(self) -> None:
        """Apply the SGD update: the updated parameters become the network's, and a new pass begins."""
        before = self.net.loss
        self.spec = self.spec.with_params(self.net.updated)
        self.k = 0
        self.clear_train_warnings()
        with np.errstate(all="ignore"):
            self.install(trace(self.spec))
        self.message = f"update applied: loss {short(before)} → {short(self.net.loss)}"
        self.query_one(DecisionMap).show(self.spec, self.spec.params)
        self.refresh_views()

    # -- views and panels --------------------------------------------------------------------------
    def action_matrix(self) -> None:
        self.toggle_class("-matrix")
        if self.has_class("-matrix"):
            self.query_one(MatrixTable).focus()
        else:
            self.focus_diagram()
        self.refresh_views()

    def action_panel(self, name: str = "") -> None:
        """Show one lower panel (small screens): `name`, or the next one."""
        nxt = name if name in PANELS else PANELS[(PANELS.index(self.panel) + 1) % len(PANELS)]
        self.remove_class(f"-panel-{self.panel}")
        self.panel = nxt
        self.add_class(f"-panel-{self.panel}")
        self._tabs()

    def action_help_f1(self) -> None:
        self.action_help()

    def action_help(self) -> None:
        from backprop_tui.tui.screens.net_help import NetworkHelpScreen

        if not isinstance(self.app.screen, NetworkHelpScreen):
            self.app.push_screen(NetworkHelpScreen())

    def focus_diagram(self) -> None:
        """The main view takes the keys: the diagram, or the matrix table while it is shown."""
        (self.query_one(MatrixTable) if self.has_class("-matrix") else self.query_one(NetDiagram)).focus()

    def warned_steps(self) -> frozenset[int]:
        return frozenset(i for w in self.warnings for i in w.steps)

    def action_leave(self) -> None:
        if isinstance(self.focused, Input):
            self.focus_diagram()
            return
        if self.training:
            self.stop_training()
            return
        if self.has_class("-matrix"):
            self.action_matrix()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
