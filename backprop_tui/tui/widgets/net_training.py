"""The training region's widgets: number fields that leave letter keys to the screen, and the loss plot.

The loss plot (plotext, through textual-plotext) has evenly spaced y labels from nice round ticks, whole
epochs on x, a y axis scaled to the finite losses, and a mark at each epoch whose loss is inf or nan (the
axis is not blown up by it). Below ~5 rows it is a sparkline row instead.
"""

from __future__ import annotations

import math

from textual import events
from textual.widgets import Input
from textual_plotext import PlotextPlot

from backprop_tui.tui.plot_scale import divergent, epoch_ticks, finite_range, nice_ticks, sparkline, tick_labels

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
    """One loss per epoch; `show(losses, epochs)` redraws."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.losses: list[float] = []
        self.epochs = 0

    def show(self, losses: list[float], epochs: int) -> None:
        self.losses, self.epochs = losses, epochs
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        ys = self.losses
        width, height = self.size.width, self.size.height
        if height < 5 or width < 20:
            return  # the screen shows the sparkline row instead
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
        xt = [t for t in epoch_ticks(total, max(2, min(6, width // 10))) if t <= total]
        plt.xlim(min(xt[0], 1), total)
        plt.xticks(xt, [str(t) for t in xt])
        plt.xlabel("epoch")
        self.refresh()


def axis_cap(losses: list[float]) -> float:
    """The top of the y axis: 10x the first loss (a loss above that is blowing up, and is drawn at the top)."""
    first = next((v for v in losses if math.isfinite(v)), None)
    return 10.0 * abs(first) if first else math.inf


def spark_text(losses: list[float], width: int) -> str:
    """The sparkline row at small sizes: first and last loss around the curve."""
    if not losses:
        return ""
    first, last = losses[0], losses[-1]
    head, tail = f"loss {first:.4g} ", f" {last:.4g} (epoch {len(losses)})"
    return head + sparkline(losses, max(4, width - len(head) - len(tail))) + tail
