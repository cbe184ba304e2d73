"""Training you can watch (a mixin of NetworkScreen): full-batch SGD in a thread worker, never blocking.

The worker runs network.cli.run_training, the same loop and the same torch-checking policy as the headless
`train`. It never waits for the screen: after each epoch it appends the loss to a shared feed and, a few
times a second, leaves a copy of the weights there. A timer on the screen reads the feed (UI_INTERVAL) and
redraws the diagram's weights, the loss plot, the decision map and the log. Pause holds the worker between
epochs; escape stops it (the weights reached so far are kept). Saving them: screens/net_save.py.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from textual import work
from textual.timer import Timer
from textual.widgets import Input, Log, ProgressBar, Static
from textual.worker import get_current_worker

from backprop_tui.engine.warnings import LearningWarning
from backprop_tui.errors import BadInput
from backprop_tui.limits import EPOCHS as MAX_EPOCHS
from backprop_tui.network.cli import default_log_every, run_training
from backprop_tui.network.engine import trace
from backprop_tui.network.report import TrainResult, epoch_line
from backprop_tui.network.warnings import divergence, training_warnings
from backprop_tui.numbers import short
from backprop_tui.tui.widgets.net_diagram import NetDiagram, v4
from backprop_tui.tui.widgets.net_region import DecisionMap
from backprop_tui.tui.widgets.net_training import LossPlot, spark_text

if TYPE_CHECKING:
    from backprop_tui.tui.screens.network import NetworkScreen

    Base = NetworkScreen
else:
    Base = object

UI_INTERVAL = 0.25  # seconds between redraws of the progress, the status and the log while training
PLOT_INTERVAL = 0.5  # of the loss plot
PICTURE_INTERVAL = 1.0  # and of the diagram and the decision map (the worker waits for the GIL meanwhile)
WARNINGS_SHOWN = 2  # training warnings in the row above the status line; the log has them all
SNAPSHOT_INTERVAL = 0.2  # the worker copies the weights for the screen at most this often


@dataclass
class Feed:
    """What the worker leaves for the screen; appended by one thread, read by the other."""

    losses: list[float] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    params: dict[str, np.ndarray] | None = None
    version: int = 0  # bumped with each new copy of the weights


class TrainingMixin(Base):
    def init_training(self) -> None:
        self.training = False
        self.paused = threading.Event()
        self.epoch = 0
        self.epochs_total = 0
        self.losses: list[float] = []
        self.live_params: dict[str, np.ndarray] | None = None
        self.live_loss: float | None = None
        self.last_result: TrainResult | None = None
        self._feed = Feed()
        self._poll: Timer | None = None
        self._shown_lines = 0
        self._shown_version = -1
        self._next_picture = 0.0
        self._next_plot = 0.0
        self.train_started = 0.0
        self.train_seconds = 0.0
        self.train_warnings: tuple[LearningWarning, ...] = ()

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
        if not 1 <= epochs <= MAX_EPOCHS:
            raise BadInput(f"epochs must be between 1 and {MAX_EPOCHS:,}")
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
        self.clear_train_warnings()
        self.training = True
        self.remove_class("-untrained")
        self.fit_panels()
        self.paused.clear()
        self.epoch, self.epochs_total = 0, epochs
        self.losses, self.live_loss, self.live_params = [], None, dict(self.spec.params)
        self._feed = Feed()
        self._shown_lines, self._shown_version = 0, -1
        self.query_one("#net-progress", ProgressBar).update(total=epochs, progress=0)
        self.query_one("#net-log", Log).clear()
        self.message = f"training {epochs} epochs at lr {short(lr)}"
        self.refresh_views()
        self._poll = self.set_interval(UI_INTERVAL, self._tick)
        self.train_started = time.perf_counter()
        self._train(self.spec, epochs, self._feed)

    def action_pause(self) -> None:
        if not self.training:
            return
        if self.paused.is_set():
            self.paused.clear()
        else:
            self.paused.set()
        self.query_one("#net-status", Static).update(self.status())

    def stop_training(self) -> None:
        """Cancel a run (escape, or the screen closing); the worker ends at the next epoch."""
        self.workers.cancel_group(self, "net-train")
        self.paused.clear()

    @work(thread=True, group="net-train", exclusive=True)
    def _train(self, spec: Any, epochs: int, feed: Feed) -> None:
        worker = get_current_worker()
        every = default_log_every(epochs)
        paused, losses, lines = self.paused, feed.losses, feed.lines
        next_copy = [0.0]

        def watch(epoch: int, loss: float, params: dict[str, np.ndarray]) -> bool:
            while paused.is_set() and not worker.is_cancelled:
                time.sleep(0.02)
            if worker.is_cancelled:
                return False
            losses.append(loss)
            if epoch % every == 0:
                lines.append(epoch_line(epoch, epochs, loss))
            now = time.monotonic()
            if now >= next_copy[0] or epoch == epochs:
                next_copy[0] = now + SNAPSHOT_INTERVAL
                feed.params = {k: v.copy() for k, v in params.items()}
                feed.version += 1
            return True

        try:
            res = run_training(spec, epochs, every, check=self.check_enabled, checker=self.epoch_checker,
                               watch=watch)
        except Exception as err:  # never take the app down: report it
            self._post(self._trained, None, f"{type(err).__name__}: {err}")
            return
        self._post(self._trained, res, None)

    def _post(self, callback: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
            self.app.call_from_thread(callback, *args)

    def _tick(self) -> None:
        """Read the feed and redraw what training changes."""
        if not self.is_attached:
            return
        feed = self._feed
        n = len(feed.losses)
        if n:
            self.epoch = n
            self.losses = feed.losses[:n]
            self.live_loss = self.losses[-1]
        self.query_one("#net-progress", ProgressBar).update(progress=self.epoch)
        log = self.query_one("#net-log", Log)
        new_lines = feed.lines[self._shown_lines:]
        self._shown_lines += len(new_lines)
        for line in new_lines:
            log.write_line(line)
        self.query_one("#net-status", Static).update(self.status())
        if n and not self.train_warnings and not np.isfinite(self.live_loss or 0.0):
            # inf or NaN: no need to wait for the end to say why and what to try
            self.show_train_warnings(divergence(self.losses[:-1] or self.losses, self.losses[-1], self.spec.lr))
        now = time.monotonic()
        if now >= self._next_plot or not self.training:
            self._next_plot = now + PLOT_INTERVAL
            self.query_one(LossPlot).show(self.losses, self.epochs_total)
            spark = self.query_one("#net-spark", Static)
            spark.update(spark_text(self.losses, spark.size.width or 60))
        if feed.version != self._shown_version and feed.params is not None and (
                now >= self._next_picture or not self.training):
            # the pictures cost the most to draw (and the worker waits for the GIL meanwhile): less often
            self._next_picture = now + PICTURE_INTERVAL
            self._shown_version = feed.version
            self.live_params = feed.params
            self.query_one(DecisionMap).show(self.spec, feed.params)
            self.query_one(NetDiagram).show(self.view())

    def _trained(self, res: TrainResult | None, error: str | None) -> None:
        if not self.is_attached:  # the app is closing
            return
        self.train_seconds = time.perf_counter() - self.train_started  # key to result on screen (bench)
        if self._poll is not None:
            self._poll.stop()
            self._poll = None
        self._tick()
        self.training = False
        self.paused.clear()
        log = self.query_one("#net-log", Log)
        if res is None:
            self.message = f"training failed: {error}"
            self.refresh_views()
            return
        self.last_result = res
        self.losses = res.losses
        self.epoch = res.epochs
        self.query_one(LossPlot).show(self.losses, self.epochs_total, res.final_loss)
        spark = self.query_one("#net-spark", Static)
        spark.update(spark_text(self.losses, spark.size.width or 60, res.final_loss))
        if res.losses:
            log.write_line(f"epoch {len(res.losses)} before update {v4(res.losses[-1])}")
        log.write_line(f"trained weights (L): {v4(res.final_loss)}")
        if self.check_enabled:
            log.write_line(res.checks_line())
        stopped = "" if res.epochs == self.epochs_total else f" (stopped at epoch {res.epochs})"
        with np.errstate(all="ignore"):
            warned = training_warnings(res)
        for w in warned:
            log.write_line(w.line())
        self.show_train_warnings(warned)
        # L before → L after: the diagram's L box figures (epoch n's loss, before its update, is the plot's)
        self.message = (f"trained {res.epochs} epochs{stopped}: L {v4(res.losses[0]) if res.losses else '?'} → "
                        f"{v4(res.final_loss)}" + self._epochs_verdict(res))
        self.spec = self.spec.with_params(res.params)
        self.query_one(DecisionMap).show(self.spec, self.spec.params)
        with np.errstate(all="ignore"):
            net = trace(self.spec)
        self.k = max((s.index + 1 for s in net.steps if s.phase == "loss"), default=0)  # the trained forward pass
        self.install(net, quiz_from=self.k + 1)  # the quiz goes on after the forward pass training showed

    def show_train_warnings(self, warnings: tuple[LearningWarning, ...]) -> None:
        """The trained result's warnings (network.warnings: divergence, a dead relu, saturation, vanishing or
        exploding gradients), one sentence each with what to try, in the row above the status line: seen at
        every size, in the warning colour (red means a torch disagreement)."""
        self.train_warnings = warnings
        lines = [f"⚠ {w.kind} · {w.where}: {w.summary}" for w in warnings[:WARNINGS_SHOWN]]
        if len(warnings) > WARNINGS_SHOWN:
            lines.append(f"… and {len(warnings) - WARNINGS_SHOWN} more in the epochs log")
        box = self.query_one("#net-warn", Static)
        box.update("\n".join(lines))
        box.display = bool(lines)

    def clear_train_warnings(self) -> None:
        if self.train_warnings:
            self.show_train_warnings(())

    def _epochs_verdict(self, res: TrainResult) -> str:
        if not self.check_enabled or not res.checked_epochs:
            return ""
        n = len(res.checked_epochs)
        if res.ok:
            return f" · torch ✓ {n} epochs"
        return f" · ✗ torch DISAGREES at epoch {res.disagreed_epochs[0]} ({len(res.disagreed_epochs)} of {n})"
