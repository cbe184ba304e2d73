"""The network screen: a layer diagram, the step list, the current step's numbers as a table coloured by
sign and size, and training in a thread worker with a progress bar, a live loss plot and the epoch log.

Self-contained: push `NetworkScreen(spec)` on any app. Keys as for chains (→/n next, ←/p previous,
f finish forward, b run backward), u applies the update, t trains (space pauses), c opens the selected
neuron's scalar chain: the screen posts `NetworkScreen.OpenChain(text, neuron, row)` for the app to load.
torch runs in its own process (network.remote.RemoteChecker, started on the first check and closed with
the screen), called from worker threads; an app may pass its own checkers instead.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Log, ProgressBar, Static
from textual.worker import get_current_worker

from backprop_tui.errors import BadInput
from backprop_tui.network.cli import EpochChecker, default_log_every, run_training
from backprop_tui.network.engine import NetTrace, trace
from backprop_tui.network.expand import expand_neuron
from backprop_tui.network.remote import RemoteChecker
from backprop_tui.network.report import TrainResult, epoch_line, loss_text
from backprop_tui.network.spec import Spec
from backprop_tui.numbers import short

TraceChecker = Callable[[NetTrace], NetTrace]
MAX_TABLE_ROWS = 200
PLOT_POINTS = 400
UI_INTERVAL = 0.1  # seconds between progress updates from the training worker
STEP_ACTIONS = {"next", "previous", "first", "last", "finish_forward", "run_backward", "update", "train",
                "pause", "chain"}


def cell_style(v: float, scale: float) -> str:
    """Green for positive, red for negative; bolder the larger |v| is against the table's largest."""
    if v == 0 or not np.isfinite(v) or scale == 0:
        return "dim"
    hue = "green" if v > 0 else "red"
    frac = abs(v) / scale
    return f"bold {hue}" if frac > 0.66 else hue if frac > 0.2 else f"dim {hue}"


class NetworkScreen(Screen[None]):
    DEFAULT_CSS = """
    NetworkScreen { layout: vertical; }
    NetworkScreen #net-diagram { height: auto; padding: 0 1; background: $panel; }
    NetworkScreen #net-main { height: 1fr; }
    NetworkScreen #net-steps { width: 42%; min-width: 30; border: round $primary 60%; }
    NetworkScreen #net-right { width: 1fr; }
    NetworkScreen #net-formula { height: auto; max-height: 8; border: round $primary 60%; padding: 0 1; }
    NetworkScreen #net-matrix { height: 1fr; border: round $primary 60%; }
    NetworkScreen #net-train { height: 12; }
    NetworkScreen #net-controls { width: 30; border: round $primary 60%; }
    NetworkScreen #net-controls Input { margin: 0; }
    NetworkScreen #net-plot { width: 1fr; border: round $primary 60%; }
    NetworkScreen #net-log { width: 40; border: round $primary 60%; }
    NetworkScreen #net-status { height: 1; background: $panel; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,n", "next", "Next", priority=True),
        Binding("left,p", "previous", "Prev", priority=True),
        Binding("home", "first", "Start", show=False, priority=True),
        Binding("end", "last", "End", show=False, priority=True),
        Binding("f", "finish_forward", "Forward"),
        Binding("b", "run_backward", "Backward"),
        Binding("u", "update", "Update"),
        Binding("t", "train", "Train"),
        Binding("space", "pause", "Pause"),
        Binding("c", "chain", "Neuron chain"),
        Binding("escape", "leave", "Back"),
    ]

    @dataclass
    class OpenChain(Message):
        """Open this neuron's scalar program (for one data row) in the chain view."""

        text: str
        neuron: str
        row: int

    def __init__(self, spec: Spec, *, check: bool = True, trace_checker: TraceChecker | None = None,
                 epoch_checker: EpochChecker | None = None, name: str | None = None) -> None:
        super().__init__(name=name)
        self.spec = spec
        self.check_enabled = check
        self._remote: RemoteChecker | None = None  # torch in its own process, started on first use
        self.trace_checker: TraceChecker = trace_checker or (lambda net: self.remote().check_trace(net))
        self.epoch_checker: EpochChecker = epoch_checker or (lambda spec, start: self.remote().check_epoch(spec, start))
        self.net: NetTrace = trace(spec)
        self.k = 0
        self.generation = 0
        self.torch_error: str | None = None
        self.training = False
        self.paused = threading.Event()
        self.losses: list[float] = []
        self.epoch = 0
        self.last_result: TrainResult | None = None
        self.message = ""

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Static(id="net-diagram")
        with Horizontal(id="net-main"):
            yield DataTable(id="net-steps", cursor_type="row", zebra_stripes=True)
            with Vertical(id="net-right"):
                yield Static(id="net-formula")
                yield DataTable(id="net-matrix", cursor_type="cell")
        with Horizontal(id="net-train"):
            with Vertical(id="net-controls"):
                yield Input(short(self.spec.lr), id="net-lr", placeholder="learning rate")
                yield Input("100", id="net-epochs", placeholder="epochs", type="integer")
                yield ProgressBar(id="net-progress", show_eta=False)
            yield PlotextPlot(id="net-plot")
            yield Log(id="net-log", max_lines=2000)
        yield Static(id="net-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#net-steps").border_title = "steps"
        self.query_one("#net-formula").border_title = "step"
        self.query_one("#net-matrix").border_title = "numbers"
        self.query_one("#net-controls").border_title = "lr · epochs"
        self.query_one("#net-plot").border_title = "loss"
        self.query_one("#net-log").border_title = "epochs"
        steps = self.query_one("#net-steps", DataTable)
        steps.add_columns("#", "phase", "step", "torch")
        self.install(self.net)
        steps.focus()

    def remote(self) -> RemoteChecker:
        if self._remote is None:
            self._remote = RemoteChecker()
        return self._remote

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "net-train")
        self.paused.clear()
        if self._remote is not None:
            self._remote.close()

    # -- the trace ---------------------------------------------------------------------------------
    def install(self, net: NetTrace, check: bool = True) -> None:
        """Show a (new) trace; ask torch about it in a worker thread."""
        self.net = net
        self.generation += 1
        self.k = min(self.k, len(net.steps))
        self._fill_steps()
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
        if generation != self.generation:
            return
        self.torch_error = error
        if net is not None:
            self.net = net
            self._fill_steps()
        self.refresh_views()

    def _fill_steps(self) -> None:
        table = self.query_one("#net-steps", DataTable)
        table.clear()
        for s in self.net.steps:
            mark = "…" if s.ok is None and self.check_enabled else "✓" if s.ok else "✗" if s.ok is False else ""
            label = s.label if s.phase != "update" else f"{s.target} ←"
            if "shortcut" in s.formula:
                label += " (s−y)/N"
            elif "= J·∂L" in s.formula:
                label += " via J"
            table.add_row(str(s.index + 1), s.phase, label, Text(mark, "green" if s.ok else "red"))

    # -- views -------------------------------------------------------------------------------------
    def refresh_views(self) -> None:
        self.query_one("#net-diagram", Static).update(self.diagram())
        step = self.current
        formula = self.query_one("#net-formula", Static)
        if step is None:
            formula.update(f"start: {len(self.net.steps)} steps; press → (or n) to take the first")
        else:
            verdict = self._verdict(step.ok)
            formula.update(Text(f"{step.index + 1}. [{step.phase}] {step.formula}") + Text(f"\n{verdict}",
                           "green" if step.ok else "red" if step.ok is False else "dim"))
        self._fill_matrix()
        steps = self.query_one("#net-steps", DataTable)
        if self.k >= 1 and steps.row_count >= self.k:
            steps.move_cursor(row=self.k - 1, animate=False)
        self.query_one("#net-status", Static).update(self.status())

    def _verdict(self, ok: bool | None) -> str:
        if not self.check_enabled:
            return "torch check off"
        if self.torch_error:
            return f"torch unavailable: {self.torch_error}"
        if ok is None:
            return "torch: checking…"
        return "torch agrees ✓" if ok else "torch DISAGREES ✗"

    @property
    def current(self):  # type: ignore[no-untyped-def]
        return self.net.steps[self.k - 1] if 1 <= self.k <= len(self.net.steps) else None

    @property
    def current_array(self) -> np.ndarray | None:
        return self.net.arrays[self.k - 1] if 1 <= self.k <= len(self.net.steps) else None

    def _fill_matrix(self) -> None:
        table = self.query_one("#net-matrix", DataTable)
        table.clear(columns=True)
        arr = self.current_array
        if arr is None:
            return
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(1, -1)
        elif arr.ndim > 2:
            arr = arr[0]  # the softmax Jacobian: data row 0
        shown = arr[:MAX_TABLE_ROWS]
        finite = np.abs(shown[np.isfinite(shown)])
        scale = float(finite.max()) if finite.size else 0.0
        table.add_column("row")
        for j in range(shown.shape[1]):
            table.add_column(str(j))
        for i, r in enumerate(shown):
            table.add_row(str(i), *[Text(short(float(v)), cell_style(float(v), scale)) for v in r])
        if arr.shape[0] > MAX_TABLE_ROWS:
            table.add_row("…", *[f"+{arr.shape[0] - MAX_TABLE_ROWS} rows"] + [""] * (shown.shape[1] - 1))

    def diagram(self) -> Text:
        spec = self.spec
        step = self.current
        target = step.target if step is not None else ""
        text = Text()

        def part(label: str, key: str) -> None:
            text.append(label, "reverse bold" if key == target else "bold")

        part(f"x[{spec.sizes[0]}]", "x")
        for layer in range(1, spec.layers + 1):
            text.append(f" ─fc{layer}→ ", "reverse" if target.startswith(f"fc{layer}.") else "dim")
            part(f"z{layer}[{spec.sizes[layer]}]", f"z{layer}")
            text.append(f" ─{spec.act(layer)}→ ", "dim")
            part(f"a{layer}[{spec.sizes[layer]}]", f"a{layer}")
        text.append(f" ─{spec.loss}→ ", "dim")
        part(f"L = {short(self.net.loss)}", "loss")
        text.append(f"    lr {short(spec.lr)} · {len(spec.x)} rows ({spec.data_name})", "dim")
        return text

    def status(self) -> Text:
        n = len(self.net.steps)
        phase = self.current.phase if self.current else "start"
        head = f"step {self.k}/{n} ({phase})"
        if self.training:
            head += f" · training epoch {self.epoch}" + (" · PAUSED (space resumes)" if self.paused.is_set() else "")
        checked = [s for s in self.net.steps if s.ok is not None]
        bad = sum(1 for s in checked if not s.ok)
        torch = ("torch check off" if not self.check_enabled else f"torch unavailable: {self.torch_error}"
                 if self.torch_error else "torch: checking…" if not self.net.checked else
                 f"✗ torch disagrees on {bad} of {n} steps" if bad else f"✓ torch agrees on all {n} steps")
        out = Text(head + " · ")
        out.append(torch, "red" if bad or self.torch_error else "green" if self.net.checked else "yellow")
        if self.message:
            out.append(" · " + self.message)
        return out

    # -- stepping ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The stepping keys win over the tables' own, but a focused input keeps its keys for typing."""
        return not (action in STEP_ACTIONS and isinstance(self.focused, Input))

    def go(self, k: int) -> None:
        self.k = max(0, min(k, len(self.net.steps)))
        self.refresh_views()

    def _end_of(self, phases: tuple[str, ...]) -> int:
        last = 0
        for s in self.net.steps:
            if s.phase in phases:
                last = s.index + 1
        return last

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
        if self.training:
            return
        before = self.net.loss
        self.spec = self.spec.with_params(self.net.updated)
        self.k = 0
        self.install(trace(self.spec))
        self.message = f"update applied: loss {short(before)} → {short(self.net.loss)}"
        self.refresh_views()

    def action_leave(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            self.query_one("#net-steps").focus()
            return
        if self.training:
            self.workers.cancel_group(self, "net-train")
            self.paused.clear()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # -- the neuron's chain ------------------------------------------------------------------------
    def selected_neuron(self) -> tuple[int, int, int]:
        """(layer, unit, data row) picked by the current step and the cell under the numbers' cursor."""
        table = self.query_one("#net-matrix", DataTable)
        row, col = table.cursor_coordinate.row, max(0, table.cursor_coordinate.column - 1)
        step = self.current
        target = step.target if step is not None else "loss"
        L = self.spec.layers
        if m := re.fullmatch(r"[za](\d+)", target):
            layer = int(m.group(1))
            unit, data_row = min(col, self.spec.sizes[layer] - 1), row
        elif m := re.fullmatch(r"fc(\d+)\.(weight|bias)", target):
            layer = int(m.group(1))
            unit, data_row = (row if m.group(2) == "weight" else col), 0
            unit = min(unit, self.spec.sizes[layer] - 1)
        else:
            layer, unit, data_row = L, 0, 0
        return layer, unit, min(max(data_row, 0), len(self.spec.x) - 1)

    def action_chain(self) -> None:
        layer, unit, row = self.selected_neuron()
        try:
            exp = expand_neuron(self.spec, layer, unit, row)
        except BadInput as err:
            self.message = str(err)
            self.refresh_views()
            return
        self.message = f"opened fc{layer}:{unit}, row {row} as a chain"
        self.post_message(self.OpenChain(exp.text, f"fc{layer}:{unit}", row))
        self.refresh_views()

    # -- training ----------------------------------------------------------------------------------
    def read_controls(self) -> tuple[float, int]:
        lr_text = self.query_one("#net-lr", Input).value.strip()
        epochs_text = self.query_one("#net-epochs", Input).value.strip()
        try:
            lr = float(lr_text)
        except ValueError:
            raise BadInput(f"learning rate {lr_text!r} is not a number") from None
        if not np.isfinite(lr) or lr <= 0:
            raise BadInput(f"the learning rate must be above 0, got {lr_text}")
        try:
            epochs = int(epochs_text)
        except ValueError:
            raise BadInput(f"epochs {epochs_text!r} is not a whole number") from None
        if not 1 <= epochs <= 10_000_000:
            raise BadInput("epochs must be between 1 and 10,000,000")
        return lr, epochs

    def action_train(self) -> None:
        if self.training:
            return
        try:
            lr, epochs = self.read_controls()
        except BadInput as err:
            self.message = str(err)
            self.refresh_views()
            return
        self.spec = replace(self.spec, lr=lr)
        self.training = True
        self.paused.clear()
        self.losses, self.epoch = [], 0
        self.query_one("#net-progress", ProgressBar).update(total=epochs, progress=0)
        log = self.query_one("#net-log", Log)
        log.clear()
        self.message = f"training {epochs} epochs at lr {short(lr)}"
        self.refresh_views()
        self._train(self.spec, epochs)

    def action_pause(self) -> None:
        if not self.training:
            return
        if self.paused.is_set():
            self.paused.clear()
        else:
            self.paused.set()
        self.query_one("#net-status", Static).update(self.status())

    @work(thread=True, group="net-train", exclusive=True)
    def _train(self, spec: Spec, epochs: int) -> None:
        worker = get_current_worker()
        every = default_log_every(epochs)
        pending: list[str] = []
        losses: list[float] = []
        last = [0.0]

        def on_epoch(epoch: int, loss: float) -> bool:
            while self.paused.is_set() and not worker.is_cancelled:
                time.sleep(0.02)
            if worker.is_cancelled:
                return False
            losses.append(loss)
            if epoch % every == 0:
                pending.append(epoch_line(epoch, epochs, loss))
            now = time.monotonic()
            if now - last[0] >= UI_INTERVAL or epoch == epochs:
                last[0] = now
                lines, pending[:] = list(pending), []
                self.app.call_from_thread(self._progress, epoch, list(losses), lines)
            return True

        try:
            res = run_training(spec, epochs, every, on_epoch, check=self.check_enabled,
                               checker=self.epoch_checker)
        except Exception as err:  # never take the app down: report it
            self.app.call_from_thread(self._trained, None, f"{type(err).__name__}: {err}", pending)
            return
        self.app.call_from_thread(self._trained, res, None, pending)

    def _progress(self, epoch: int, losses: list[float], lines: list[str]) -> None:
        self.epoch = epoch
        self.losses = losses
        self.query_one("#net-progress", ProgressBar).update(progress=epoch)
        log = self.query_one("#net-log", Log)
        for line in lines:
            log.write_line(line)
        self._plot()
        self.query_one("#net-status", Static).update(self.status())

    def _plot(self) -> None:
        from textual_plotext import PlotextPlot

        plot = self.query_one("#net-plot", PlotextPlot)
        ys = self.losses
        if not ys:
            return
        stride = max(1, len(ys) // PLOT_POINTS)
        xs = list(range(1, len(ys) + 1, stride))
        plt = plot.plt
        plt.clear_data()
        plt.plot(xs, [ys[i - 1] for i in xs], marker="braille")
        plt.xlabel("epoch")
        plot.refresh()

    def _trained(self, res: TrainResult | None, error: str | None, pending: list[str]) -> None:
        self.training = False
        self.paused.clear()
        log = self.query_one("#net-log", Log)
        for line in pending:
            log.write_line(line)
        if res is None:
            self.message = f"training failed: {error}"
            self.refresh_views()
            return
        self.last_result = res
        self.losses = res.losses
        self.epoch = res.epochs
        self._plot()
        log.write_line(f"final loss {loss_text(res.final_loss)}")
        if self.check_enabled:
            log.write_line(res.checks_line())
        self.message = (f"trained {res.epochs} epochs: loss {loss_text(res.losses[0])} → "
                        f"{loss_text(res.final_loss)}" + ("" if res.ok else " · torch DISAGREED"))
        self.spec = self.spec.with_params(res.params)
        self.k = 0
        self.install(trace(self.spec))
