"""The app: wires the widgets to one trace and a step position k; every view is read from stored state."""

from __future__ import annotations

import asyncio
import gc
import inspect
import time
from collections.abc import Callable
from typing import ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, TextArea

from backprop_tui.engine.trace import Trace, build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang import parse_program
from backprop_tui.tui.actions import DialogActions
from backprop_tui.tui.building import BackgroundBuild, builds_in_background
from backprop_tui.tui.graph_actions import GraphActions, Laid
from backprop_tui.tui.messages import CheckDone, NodeSelected
from backprop_tui.tui.presets import SEED_CHAIN
from backprop_tui.tui.quiz_actions import QuizActions
from backprop_tui.tui.script_actions import ScriptActions
from backprop_tui.tui.state import StepState
from backprop_tui.tui.unsaved_work import UnsavedWork
from backprop_tui.tui.widgets.editor import ErrorLine, ProgramEditor
from backprop_tui.tui.widgets.explain import StatusLine, StepPanel
from backprop_tui.tui.widgets.footer import KeysFooter
from backprop_tui.tui.widgets.graph import GraphView
from backprop_tui.tui.widgets.table import VariableTable

Checker = Callable[[Trace], Trace]
DEBOUNCE = 0.3
CHECK_DELAY = 0.2
# actions a focused editor or input keeps its own keys for (the keys type text there instead)
TYPING_KEYS = {"next", "previous", "first", "last", "finish_forward", "run_backward", "edit", "open", "save",
               "find", "help", "presets", "network", "no_network", "toggle_level", "toggle_fit", "quiz", "jump"}


class ChainScreen(Screen):
    """The default screen. It focuses the graph first (not the editor, then the graph: two restyles), and
    its first resume skips Textual's restyle of every widget, each styled as it mounted a moment before."""

    AUTO_FOCUS = "#graph"
    _resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:  # runs before Screen's handler
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False


def _commands():  # the palette's provider, imported when the palette first opens
    from backprop_tui.tui.commands import BackpropCommands

    return BackpropCommands


class BackpropApp(ScriptActions, QuizActions, GraphActions, UnsavedWork, BackgroundBuild, DialogActions, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "backprop-tui"
    COMMANDS = App.COMMANDS | {_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,n", "next", "Next", priority=True),
        Binding("left,p", "previous", "Prev", priority=True),
        Binding("home", "first", "Start", priority=True),
        Binding("end", "last", "End", priority=True),
        Binding("f", "finish_forward", "Forward", priority=True),
        Binding("b", "run_backward", "Backward", priority=True),
        Binding("e", "edit", "Edit", priority=True),
        Binding("ctrl+r", "rebuild", "Rebuild", priority=True),
        Binding("o", "open", "Open", priority=True),
        Binding("s", "save", "Save", priority=True),
        Binding("t", "presets", "Presets", priority=True),
        Binding("w", "network", "Network", priority=True),
        Binding("w", "no_network", show=False, priority=True),  # w before any network: say why, not nothing
        Binding("q", "quiz", "Quiz", priority=True),
        Binding("slash", "find", "Find", priority=True),
        Binding("j", "jump", "Jump", show=False, priority=True),  # a backward pass or iteration (a script)
        Binding("g", "toggle_level", "Gates", priority=True),
        Binding("z", "toggle_fit", "Fit/1:1", priority=True),
        Binding("question_mark", "help", "Help", priority=True),
        Binding("f1", "help_always", "Help", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+z", "undo_replace", "Undo open", show=False, priority=True),
    ]

    def __init__(self, text: str = SEED_CHAIN, path: str | None = None, *, checker: Checker | None = None,
                 check: bool = True, error: str | None = None, network: tuple[str, str] | None = None,
                 ascii: bool = False, quiz: frozenset[str] | None = None) -> None:
        super().__init__()
        self.ascii = ascii  # draw the graph with + - | > and d: --ascii, or a terminal without box characters
        self.program = None  # the last parsed program (its gate level is built from it)
        self.init_quiz(quiz)  # quiz mode from the start, asking these phases (--quiz); None: off
        self.text, self.path, self.startup_error = text, path, error
        self.saved_text = text  # the baseline for "unsaved edits" (UnsavedWork)
        self.startup_network = network  # (path, text) of a spec to open on the network screen
        self.network_checkers = None  # (trace, epoch) checkers for the network screen; None: torch's
        self.checker = checker
        self.check_enabled = check
        self.state: StepState | None = None
        self.k = 0
        self.selected: str | None = None
        self.generation = 0
        self.checked_generation = 0
        self.torch_error: str | None = None
        self.step_times: list[float] = []  # seconds from a step key's action to the finished refresh
        self._debounce: Timer | None = None
        self._server = None
        self._painted = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield ProgramEditor(self.text, id="editor")
                yield ErrorLine(id="error")
                yield VariableTable(id="table")
            with Vertical(id="right"):
                yield GraphView(id="graph", ascii=self.ascii)
                yield StepPanel(id="step")
                yield from self.quiz_compose()
        yield StatusLine(id="status")
        yield KeysFooter()

    def get_default_screen(self) -> Screen:
        return ChainScreen(id="_default")

    def on_mount(self) -> None:
        if self.ascii:
            self.screen.add_class("-ascii")
        self.query_one("#editor").border_title = "program"
        self.query_one("#table").border_title = "variables"
        step = self.query_one(StepPanel)
        step.border_title = "step"
        step.compound = self.graph.drawn_compound  # the step panel writes out what a ƒ gate stands for
        self.title_graph()
        self.graph.focus()  # the app opens on the graph, not the editor
        self.rebuild(check=False)
        if self.startup_error:
            self.error_line.show(self.startup_error)
        if self._quiz is not None and self._quiz.on:
            self.quiz_panel.input.focus()  # --quiz: enter starts, typing answers
        if self.startup_network:
            self.open_network(*self.startup_network)
        self.call_after_refresh(self._first_paint)

    def _first_paint(self) -> None:
        gc.enable()  # launch() holds garbage collection off until the first frame
        # the referee starts once the screen is up (a moment later: the first frames stay unhurried)
        self.set_timer(CHECK_DELAY, self._start_checking)

    def _start_checking(self) -> None:
        self._painted = True
        self.request_check()

    # -- widgets -----------------------------------------------------------------------------------
    @property
    def graph(self) -> GraphView:
        return self.query_one(GraphView)

    @property
    def editor(self) -> ProgramEditor:
        return self.query_one(ProgramEditor)

    @property
    def error_line(self) -> ErrorLine:
        return self.query_one(ErrorLine)

    # -- building ----------------------------------------------------------------------------------
    @on(TextArea.Changed)
    def _typed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self._rebuild_typed)

    def _rebuild_typed(self) -> None:
        if not self.is_running:  # not while the app shuts down (quit within DEBOUNCE of a key): no editor then
            return
        if self.state is not None and self.editor.text == self.text:
            self._debounce = None  # already built (a load fills the editor, then rebuilds at once)
            if not self.building and not self.error_line.transient:
                self.error_line.show(None)  # typed back to the good program: its parse error is gone
            return
        self.rebuild()

    def rebuild(self, check: bool = True) -> bool:
        """Parse the editor's text; on success show its trace, else show the error and keep the last."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        text = self.editor.text
        if builds_in_background(text):
            self.build_in_background(text, check)
            return False
        self.build_request += 1  # a background build still running is now out of date
        self.building = False
        try:
            program = parse_program(text)
            trace = build_trace(self.program_for_level(program))
        except BadInput as err:
            self.error_line.show(str(err))
            return False
        except Exception as err:  # never crash the screen on a program: say what happened
            self.error_line.show(f"cannot build this program: {type(err).__name__}: {err}")
            return False
        self.error_line.show(None)
        self.text, self.program = text, program
        self.install(trace)
        if check:
            self.request_check()
        return True

    def install(self, trace: Trace, laid: Laid | None = None) -> None:
        """Show a new trace; `laid`: its circuit, when a thread has laid it out already."""
        self.generation += 1
        self.quiz_load(trace)
        self.state = self.step_state(trace)
        self.k = min(self.k, self.state.n)
        if self.selected not in trace.values:
            self.selected = None
        self.lay_out(trace, laid)
        self.query_one(VariableTable).set_state(self.state)
        self.refresh_views()

    def refresh_views(self, scroll: bool = True) -> None:
        self.sync_frame()  # a PyTorch script: the circuit and table show the current iteration's frame
        self.quiz_show(moved=scroll)
        self.graph.show(self.k, scroll)
        table = self.query_one(VariableTable)
        table.selected = self.selected
        table.show(self.k)
        self.query_one(StepPanel).show(self.state, self.k, self.selected, self.torch_error)
        self.query_one(StatusLine).show(self.state, self.k, self.torch_status())

    # -- checking ----------------------------------------------------------------------------------
    def torch_status(self) -> Content:
        if not self.check_enabled:
            return Content.styled("torch check off", "$warning")
        if self.torch_error:
            return Content.styled(f"torch unavailable: {self.torch_error}", "$error")
        st = self.state
        if st is None:
            return Content("torch: waiting for a program")
        if not st.trace.checked:
            return Content.styled("torch: checking… (pending)", "$warning")
        bad = st.disagreements()
        undecided = [s for s in bad if s.verdict == "undecided"]
        if len(undecided) < len(bad):
            return Content.styled(f"✗ torch disagrees on {len(bad) - len(undecided)} of {st.n} steps", "$error bold")
        if undecided:  # ill-conditioned: the exact referee cannot say who is right (never ✓)
            return Content.styled(f"? {len(undecided)} ill-conditioned step{'s' if len(undecided) > 1 else ''}: "
                                  "cannot decide", "$warning bold")
        return Content.styled(f"✓ torch agrees on all {st.n} steps", "$success")

    def check_settled(self) -> bool:
        """No rebuild waiting and the referee has answered for the current program (or cannot)."""
        return self._debounce is None and not self.loading_model and not self.building and (
            not self.check_enabled or self.torch_error is not None or self.checked_generation == self.generation)

    def request_check(self) -> None:
        if not self.check_enabled or self.state is None or not self._painted:
            return
        self._check(self.generation, self.text, self.state.trace)

    @work(group="check", exclusive=True, description="torch check")  # a description: no repr of the trace
    async def _check(self, generation: int, text: str, trace: Trace) -> None:
        try:
            if self.checker is not None:
                if inspect.iscoroutinefunction(self.checker):
                    checked = await self.checker(trace)
                else:
                    checked = await asyncio.to_thread(self.checker, trace)
            else:
                if self._server is None:
                    from backprop_tui.tui.checker import SubprocessChecker

                    self._server = SubprocessChecker()
                checked = await self._server.check(text, trace, atomic=self.level == "gate")
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self.post_message(CheckDone(generation, None, f"{type(err).__name__}: {err}"))
            return
        self.post_message(CheckDone(generation, checked))

    def on_check_done(self, message: CheckDone) -> None:
        if message.generation != self.generation:
            return  # an answer for a program that has since changed
        if not self.query(GraphView):
            return  # the app is closing: its widgets are gone
        self.checked_generation = message.generation
        if message.trace is None:
            self.torch_error = message.error
        else:
            self.torch_error = None
            self.state = self.step_state(message.trace)
            self.graph.set_state(self.state)
            self.query_one(VariableTable).set_state(self.state)
        self.refresh_views(scroll=False)

    async def on_unmount(self) -> None:
        if self._server is not None:
            await self._server.close()

    # -- stepping ----------------------------------------------------------------------------------
    def go(self, k: int) -> None:
        if self.state is None:
            return
        start = time.perf_counter()
        self.k = max(0, min(k, self.state.n))
        self.error_line.step_taken()
        self.refresh_views()
        self.call_after_refresh(lambda: self.step_times.append(time.perf_counter() - start))

    def action_next(self) -> None:
        self.go(self.k + 1)

    def action_previous(self) -> None:
        self.go(self.k - 1)

    def action_first(self) -> None:
        self.go(0)

    def action_last(self) -> None:
        self.go(self.state.n if self.state else 0)

    def action_finish_forward(self) -> None:
        if self.state is not None:
            self.go(self.forward_end_after(self.k))  # a script: the end of the next run of forward steps

    def action_run_backward(self) -> None:
        if self.state is not None:
            self.go(self.backward_end_after(self.k))  # a script: the end of this or the next backward pass

    # -- focus, files, dialogs ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "network" and not self.has_network:
            return False  # shown only once a network has been opened: back to it from a neuron's chain
        if action == "no_network" and self.has_network:
            return False
        if action in TYPING_KEYS or action == "rebuild":
            if len(self.screen_stack) > 1:
                return False  # a dialog or the network screen is on top: its keys are its own
            if action != "rebuild" and isinstance(self.focused, (TextArea, Input)):
                return False
        return True

    @on(NodeSelected)
    def _clicked(self, message: NodeSelected) -> None:
        self.select(message.name)

    def select(self, name: str) -> None:
        self.selected = name
        self.graph.select(name)
        self.refresh_views(scroll=False)
