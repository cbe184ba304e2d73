"""The training region's widgets: number fields that leave letter keys to the screen, and the loss plot.

The loss plot (plotext, through textual-plotext) has evenly spaced y labels from nice round ticks, whole
epochs on x from 0 to the last epoch, a y axis scaled to the finite losses, and a mark at each epoch whose loss
is inf or nan (the axis is not blown up by it). Below PLOT_ROWS rows (too short for axes and a readable curve)
it is a sparkline row instead, with the first and last loss and their epochs.

Two "final" losses, said apart everywhere: epoch n's loss is computed before that epoch's update (the last
point of the curve, the log's last line); the trained weights' loss is after it (the diagram's L box).
"""

from __future__ import annotations

import math

from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.widgets import Input
from textual_plotext import PlotextPlot

from backprop_tui.tui.plot_scale import divergent, epoch_ticks, finite_range, nice_ticks, sparkline, tick_labels
from backprop_tui.tui.widgets.net_diagram import v4

PLOT_ROWS = 7  # the plot's least height: its frame, axis, tick labels and "epoch" leave 3 rows for the curve
PLOT_COLUMNS = 20
PLOT_POINTS = 400  # at most this many points are drawn; each is one epoch's loss (a stride of epochs)
NUMBER_CHARS = set("0123456789.eE+-_")
EDIT_KEYS = {"left", "right", "home", "end", "backspace", "delete", "ctrl+left", "ctrl+right", "shift+left",
             "shift+right", "shift+home", "shift+end"}


class NumberInput(Input):
    """An Input for a number: it takes digits, `.`, `e`, signs and the editing keys, and nothing else, so the
    screen's letter keys (c, t, n…) still work while it has focus."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key in EDIT_KEYS or (character is not None and character in NUMBER_CHARS)

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and (event.character or "") not in NUMBER_CHARS:
            return  # not ours: let it reach the screen's bindings
        await super()._on_key(event)


class LossPlot(PlotextPlot):
    """One loss per epoch; `show(losses, epochs, final)` redraws (final: the trained weights' loss, after the
    last update, once training has ended). Too small for axes: the sparkline and the figures as text."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.losses: list[float] = []
        self.epochs = 0
        self.final: float | None = None

    @property
    def compact(self) -> bool:
        return self.size.height < PLOT_ROWS or self.size.width < PLOT_COLUMNS

    def show(self, losses: list[float], epochs: int, final: float | None = None) -> None:
        self.losses, self.epochs, self.final = losses, epochs, final
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def render(self) -> RenderResult:
        if self.compact:
            return Text("\n".join(compact_lines(self.losses, self.final, self.epochs, self.size.width)))
        return super().render()

    def _draw(self) -> None:
        self.border_subtitle = "" if self.compact else figures(self.losses, self.final, self.size.width - 2)
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        ys = self.losses
        width, height = self.size.width, self.size.height
        if self.compact:
            self.refresh()
            return
        if not ys:
            plt.title("loss: press t to train")
            self.refresh()
            return
        n = len(ys)
        total = max(self.epochs, n)
        stride = max(1, n // PLOT_POINTS)
        xs = [i for i in range(1, n + 1, stride)]
        if xs[-1] != n:
            xs.append(n)
        pts = [(x, ys[x - 1]) for x in xs if math.isfinite(ys[x - 1])]
        rng = finite_range(ys)
        notes = []
        if pts and rng is not None:
            lo, hi = rng
            cap = axis_cap(ys)
            if hi > cap:  # a run blowing up: keep the axis on the learning, mark where it leaves the chart
                hi = cap
                off = next(x for x, y in enumerate(ys, 1) if math.isfinite(y) and y > cap)
                notes.append(f"off the chart from epoch {off}")
                plt.vline(off, "orange")
            ticks = nice_ticks(lo, hi, max(2, min(5, height // 3)))
            plt.plot([p[0] for p in pts], [min(p[1], ticks[-1]) for p in pts], marker="braille", color="cyan")
            plt.ylim(ticks[0], ticks[-1])
            plt.yticks(ticks, tick_labels(ticks))
        bad = divergent(ys)
        if bad:
            plt.vline(bad[0], "magenta")
            notes.append(f"diverged (loss {ys[bad[0] - 1]}) at epoch {bad[0]}")
        if notes:
            plt.title("; ".join(notes))
        xt = x_ticks(total, width)
        plt.xlim(min(xt[0], 1), total)  # the x range ends at the last epoch: the curve's end is the frame's
        plt.xticks(xt, [str(t) for t in xt])
        plt.xlabel("epoch")
        self.refresh()


def x_ticks(total: int, width: int) -> list[int]:
    """Round epochs within [0, total], and `total` itself when its label has room beside the last round one."""
    xt = [t for t in epoch_ticks(total, max(2, min(6, width // 10))) if t <= total]
    axis = max(1, width - 8)  # the columns of the x axis, roughly (the y labels take the rest)
    if xt[-1] < total and (total - xt[-1]) / max(1, total - xt[0]) * axis > len(str(total)) + 1:
        xt.append(total)
    return xt


def axis_cap(losses: list[float]) -> float:
    """The top of the y axis: 10x the first loss (a loss above that is blowing up, and is drawn at the top)."""
    first = next((v for v in losses if math.isfinite(v)), None)
    return 10.0 * abs(first) if first else math.inf


def figures(losses: list[float], final: float | None, width: int) -> str:
    """Under the plot once trained: which "final" loss is which, as long a wording as fits in `width`."""
    if not losses or final is None:
        return ""
    n, last, after = len(losses), v4(losses[-1]), v4(final)
    for text in (f"epoch {n}: {last} (before its update) · trained weights: {after}",
                 f"epoch {n} {last} (before update) · trained {after}",
                 f"epoch {n} {last} · trained {after}"):
        if len(text) <= width:
            return text
    return f"trained {after}"


def compact_lines(losses: list[float], final: float | None, epochs: int, width: int) -> list[str]:
    """The plot's box when it is too short for axes: the sparkline between the first and last loss, their
    epochs under them, then the two final figures said apart."""
    if not losses:
        return ["loss: press t to train"]
    n = len(losses)
    first, last = v4(losses[0]), v4(losses[-1])
    line = f"{first} {sparkline(losses, max(4, width - len(first) - len(last) - 2))} {last}"
    right = f"epoch {n}" + (f"/{epochs}" if final is None and epochs > n else "")
    under = "epoch 1" + " " * max(1, len(line) - len("epoch 1") - len(right)) + right
    lines = [line, under]
    if final is not None:
        said = f"epoch {n}'s loss {last} is before its update; the trained weights' loss (L) is {v4(final)}"
        # two rows at most (the box has five): narrow, the trained figure first, then what the last one was
        lines += [said] if len(said) <= 2 * width else [f"trained (L) {v4(final)}", f"{last}: pre-update"]
    return lines


def spark_text(losses: list[float], width: int, final: float | None = None) -> str:
    """The sparkline row at small sizes: first and last loss around the curve, then the trained weights'."""
    if not losses:
        return ""
    first, last = losses[0], losses[-1]
    after = f" · trained {v4(final)}" if final is not None else ""
    head, tail = f"loss {v4(first)} ", f" {v4(last)} (epoch {len(losses)}{', before its update' if after else ''})"
    if after and width - len(head) - len(tail) - len(after) < 8:
        tail = f" {v4(last)} (epoch {len(losses)})"
    tail += after
    return head + sparkline(losses, max(4, width - len(head) - len(tail))) + tail
