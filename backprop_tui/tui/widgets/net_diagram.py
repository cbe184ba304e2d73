"""The neuron diagram: columns of neurons, every weight an edge, the current step's layer highlighted.

Each neuron shows z, a and δ (for the chosen data row) as the steps reach them; each edge its weight, and
∂L/∂w once the backward pass has computed it. Edges are blue when positive and orange when negative
(TensorFlow Playground's convention; red is kept for a torch disagreement), thicker and brighter the larger
|w| is against the layer's largest. The geometry is tui/net_layout.py's; this widget only paints it.
Attributes down (`show`), messages up (`NeuronClicked`). Figures show 4 significant digits; the detail
panel below has them in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from backprop_tui.network.engine import NetTrace, Pass, forward
from backprop_tui.network.neuron import unit_name
from backprop_tui.network.reveal import Focus, Reveal
from backprop_tui.network.spec import Spec
from backprop_tui.tui.net_canvas import Canvas
from backprop_tui.tui.net_labels import span
from backprop_tui.tui.net_layout import Content, Layout, Slot, full_height, plan, scroll_to, window
from backprop_tui.tui.widgets.styles import CachedComponentStyles

POSITIVE, NEGATIVE = "#2f8fd8", "#f59322"  # TensorFlow Playground's blue and orange
NUMBER = "−0.0000"  # the width of a 4-significant-digit figure, for widths that do not jump


def v4(v: float) -> str:
    """4 significant digits, a real minus sign."""
    if not np.isfinite(v):
        return str(v)
    text = format(float(v), ".4g")
    return ("0" if text == "-0" else text).replace("-", "−")


@dataclass
class View:
    """What the diagram shows: one trace at position k, for one data row, with a cursor."""

    spec: Spec
    net: NetTrace
    p: Pass
    reveal: Reveal
    k: int = 0
    row: int = 0
    cursor: tuple[int, int] = (0, 0)
    live: dict[str, np.ndarray] | None = None  # weights while training (then only the forward values show)
    live_loss: float | None = None
    epoch: int = 0


class NetDiagram(CachedComponentStyles, Widget, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diagram--box", "diagram--current", "diagram--cursor", "diagram--name", "diagram--unknown",
        "diagram--hot", "diagram--bad", "diagram--marker", "diagram--text", "diagram--ask",
    }
    DEFAULT_CSS = """
    NetDiagram { background: $surface; height: 1fr; }
    NetDiagram > .diagram--box { color: $foreground-muted; }
    NetDiagram > .diagram--current { color: $text; text-style: bold; }
    NetDiagram > .diagram--cursor { color: #c678dd; text-style: bold; }
    NetDiagram > .diagram--name { color: $foreground; text-style: bold; }
    NetDiagram > .diagram--unknown { color: $foreground-muted; text-style: dim; }
    NetDiagram > .diagram--hot { background: $foreground 22%; text-style: bold; }
    NetDiagram > .diagram--bad { color: $error; text-style: bold reverse; }
    NetDiagram > .diagram--marker { color: $foreground-muted; text-style: italic; }
    NetDiagram > .diagram--text { color: $foreground; }
    NetDiagram > .diagram--ask { color: $warning; text-style: bold; }
    """

    @dataclass
    class NeuronClicked(Message):
        layer: int
        unit: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: View | None = None
        self.offsets: dict[int, int] = {}
        self.layout_: Layout | None = None
        self._rows: list[Strip] | None = None

    # -- attributes down ---------------------------------------------------------------------------
    def show(self, view: View) -> None:
        self.view = view
        self._keep_cursor_visible()
        self._rows = None
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._rows = None

    def notify_style_update(self) -> None:
        self._rows = None
        super().notify_style_update()

    def _keep_cursor_visible(self) -> None:
        v = self.view
        if v is None or self.layout_ is None:
            return
        layer, unit = v.cursor
        col = self.layout_.by_layer.get(layer)
        if col is None or layer > v.spec.layers:
            return
        n = v.spec.sizes[layer]
        cap = sum(1 for _ in col.slots) if any(s.is_marker for s in col.slots) else n
        self.offsets[layer] = scroll_to(n, cap, self.offsets.get(layer, 0), unit)

    # -- figures -----------------------------------------------------------------------------------
    def _params(self) -> dict[str, np.ndarray]:
        v = self.view
        assert v is not None
        return v.live if v.live is not None else v.net.params

    def _values(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(z, a) per layer for the chosen row: the trace's, or a forward pass on the live weights."""
        v = self.view
        assert v is not None
        if v.live is None:
            return [z[v.row] for z in v.p.zs], [a[v.row] for a in v.p.acts]
        with np.errstate(all="ignore"):
            zs, acts = forward(v.spec, v.live, v.spec.x[v.row:v.row + 1])
        return [z[0] for z in zs], [a[0] for a in acts]

    def known(self, figure: str, layer: int) -> bool:
        """Computed by the current step (while training: the forward values of the live weights)."""
        v = self.view
        assert v is not None
        if v.live is not None:
            return figure in ("z", "a") or (figure == "loss" and v.live_loss is not None)
        return v.reveal.known(figure, layer, v.k)

    def asked(self, figure: str, layer: int, entry: tuple[int, ...]) -> bool:
        """Quiz mode: this number is computed but waits for the learner's prediction (shown as `?`)."""
        v = self.view
        assert v is not None
        return v.live is None and self.known(figure, layer) and v.reveal.hidden(figure, layer, entry)

    def _figure(self, label: str, figure: str, layer: int, unit: int, value: float) -> tuple[str, str]:
        v = self.view
        assert v is not None
        if self.asked(figure, layer, (v.row, unit)):
            return (f"{label} ?", "diagram--ask")
        return (f"{label} {v4(value)}", "diagram--text") if self.known(figure, layer) else \
            (f"{label} ?", "diagram--unknown")

    def neuron_rows(self, layer: int, unit: int, zs: list[np.ndarray], acts: list[np.ndarray],
                    ) -> list[tuple[str, str]]:
        """The inner rows of a neuron's box: (text, style name)."""
        if layer == 0:
            return [(v4(float(acts[0][unit])), "diagram--text")]
        rows = [self._figure("z", "z", layer, unit, float(zs[layer][unit])),
                self._figure("a", "a", layer, unit, float(acts[layer][unit]))]
        rows.append(self._back_row(layer, unit))
        return rows

    def compact_value(self, layer: int, unit: int, zs: list[np.ndarray], acts: list[np.ndarray]) -> str:
        """A one-row neuron's figure: the latest the steps have reached (δ, else a, else z)."""
        rows = self.neuron_rows(layer, unit, zs, acts)
        if layer == 0:
            return rows[0][0]
        known = [t for t, s in rows if s != "diagram--unknown"]
        return known[-1] if known else "?"

    def _back_row(self, layer: int, unit: int) -> tuple[str, str]:
        """δ as the backward pass reaches it: ∂L/∂a, then f'(z), then δ itself."""
        v = self.view
        assert v is not None
        p, row = v.p, v.row
        if v.live is not None:
            return ("δ ·", "diagram--unknown")
        if self.known("delta", layer) and p.deltas[layer] is not None:
            return self._figure("δ", "delta", layer, unit, float(p.deltas[layer][row, unit]))  # type: ignore[index]
        if self.known("fprime", layer) and v.spec.act(layer) != "softmax":
            from backprop_tui.network.engine import derivative

            fp = derivative(v.spec.act(layer), p.zs[layer][row:row + 1], p.acts[layer][row:row + 1])
            return self._figure("f'", "fprime", layer, unit, float(fp[0, unit]))
        if self.known("grad_a", layer) and p.grad_acts[layer] is not None:
            return self._figure("∂L/∂a", "grad_a", layer, unit,
                                float(p.grad_acts[layer][row, unit]))  # type: ignore[index]
        return ("δ ?", "diagram--unknown")

    def label_forms(self, layer: int, dst: int, src: int) -> tuple[tuple[str, ...] | None, ...]:
        """The lines of a weight's label in each of its forms (net_labels.FORMS), richest first."""
        v = self.view
        assert v is not None
        w = v4(float(self._params()[f"fc{layer}.weight"][dst, src]))
        asked = self.asked("grad_w", layer, (dst, src))  # quiz: its gradient (so its update) waits
        if v.live is None and self.known("update_w", layer) and f"fc{layer}.weight" not in v.spec.freeze:
            new = "?" if asked else v4(float(v.net.updated[f"fc{layer}.weight"][dst, src]))
            return (f"{w}→{new}",), (w, f"→{new}"), None, None, (f"→{new}",)
        g = v.net.grads.get(f"fc{layer}.weight")
        if v.live is None and g is not None and self.known("grad_w", layer):
            grad = "?" if asked else v4(float(g[dst, src]))
            return (f"{w} ∂L/∂w {grad}",), (w, f"∂L/∂w {grad}"), (w, "∂L/∂w", grad), (f"{w} ∂{grad}",), (w,)
        return ((w,),)

    def label_lines(self, layer: int, dst: int, src: int, form: int) -> tuple[str, ...]:
        got = self.label_forms(layer, dst, src)[form]
        assert got is not None
        return got

    # -- layout ------------------------------------------------------------------------------------
    def content(self) -> Content:
        v = self.view
        assert v is not None
        spec, sizes = v.spec, v.spec.sizes
        zs, acts = self._values()
        full_w, rows_n, compact_w = [], [], []
        for layer, n in enumerate(sizes):
            shown = [u for u, _, _ in window(n, 12, self.offsets.get(layer, 0))[0] if u >= 0]
            texts = [t for u in shown for t, _ in self.neuron_rows(layer, u, zs, acts)]
            names = [unit_name(sizes, layer, u) for u in shown]
            # widths that fit any 4-digit figure, so that boxes stay put as figures change (steps, training)
            inner = max([len(t) for t in texts] + [len(nm) + 2 for nm in names] +
                        [len(NUMBER) if layer == 0 else len(f"∂L/∂a {NUMBER}")])
            bias = 0 if layer == 0 else max([len(f"b {v4(float(self._params()[f'fc{layer}.bias'][u]))}")
                                             for u in shown] + [len(f"b {NUMBER}")]) + 5
            marker = len(f"⋮ {n} more") if n > 3 else 0  # a wide layer's marker must fit its column
            full_w.append(max(inner + 2, bias + max(len(nm) for nm in names), marker) + 2)
            rows_n.append(1 if layer == 0 else 3)
            compact_w.append(max([len(nm) + 1 + max(len(self.compact_value(layer, u, zs, acts)),
                                                     len(f"δ {NUMBER}")) for u, nm in
                                  zip(shown, names, strict=True)] + [marker]) + 1)
        loss_text = self._loss_text()
        full_w.append(max(len(loss_text), len(self._loss_title()), len(NUMBER)) + 4)
        rows_n.append(1)
        compact_w.append(max(len(loss_text), len(NUMBER)) + 2)
        forms = [()] + [self._layer_forms(layer) for layer in range(1, spec.layers + 1)]
        label_w = [f[0][0] if f else 0 for f in forms]  # type: ignore[index]
        loss_label = max(len(f"y {v4(float(t))}") for t in spec.y[v.row]) + 1
        return Content(tuple(sizes), tuple(full_w), tuple(rows_n), tuple(compact_w), tuple(label_w), loss_label,
                       tuple(forms))

    def _layer_forms(self, layer: int) -> tuple[tuple[int, int] | None, ...]:
        """(width with padding, rows) of each form of a layer's labels: the widest of its (shown) weights,
        never narrower than any 4-digit figure, so that the gaps stay put as the weights change."""
        v = self.view
        assert v is not None
        sizes = v.spec.sizes
        every = [self.label_forms(layer, d, s) for d in range(min(sizes[layer], 12))
                 for s in range(min(sizes[layer - 1], 12))]
        out: list[tuple[int, int] | None] = []
        for i, form in enumerate(every[0]):
            if form is None:
                out.append(None)
                continue
            out.append((max([span(f[i] or ("",)) for f in every] + [len(NUMBER) + 2]), len(form)))
        return tuple(out)

    def rows_wanted(self, width: int) -> list[int]:
        """The heights that show every neuron, best first: bordered boxes apart, then touching; one-row
        neurons apart, then touching."""
        if self.view is None:
            return []
        c = self.content()
        tallest = max(c.sizes)
        return [full_height(c, 1, width), full_height(c, 0, width), 2 * tallest - 1, tallest]

    def _loss_title(self) -> str:
        v = self.view
        assert v is not None
        return {"half_sse": "L ½Σ(a−y)²", "mse": "L mean (a−y)²", "bce": "L BCE",
                "bce_with_logits": "L BCE of σ(a)", "cross_entropy": "L cross-entropy",
                "cross_entropy_logits": "L CE of softmax(a)"}[v.spec.loss]

    def _loss_text(self) -> str:
        v = self.view
        assert v is not None
        if v.live is not None:
            return v4(v.live_loss) if v.live_loss is not None else "?"
        return v4(v.net.loss) if self.known("loss", 0) and not self.asked("loss", 0, ()) else "?"

    def compute_layout(self) -> Layout | None:
        v = self.view
        if v is None or self.size.width < 4 or self.size.height < 1:
            return None
        width, height = self.size.width, self.size.height
        layout = plan(self.content(), width, height, self.offsets)
        for col in layout.columns:  # keep offsets as the layout normalised them
            if col.layer in self.offsets:
                self.offsets[col.layer] = col.offset
        return layout

    # -- painting ----------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        if self._rows is None:
            self._rows = self._paint()
        if y < len(self._rows):
            return self._rows[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _paint(self) -> list[Strip]:
        from backprop_tui.tui.net_paint import paint

        layout = self.compute_layout()
        self.layout_ = layout
        if layout is None or self.view is None:
            return []
        if self._cursor_hidden(layout):  # the cursor moved into a hidden stretch: scroll, then lay out again
            self._keep_cursor_visible()
            layout = self.layout_ = self.compute_layout()
            assert layout is not None
        canvas = Canvas(self.size.width, self.size.height, self.rich_style)
        paint(self, canvas, layout)
        return [Strip(segs, self.size.width) for segs in canvas.rows()]

    def _cursor_hidden(self, layout: Layout) -> bool:
        v = self.view
        assert v is not None
        layer, unit = v.cursor
        return layer <= v.spec.layers and layout.box(layer, unit) is None

    def focus_now(self) -> Focus:
        v = self.view
        assert v is not None
        return Focus("training") if v.live is not None else v.reveal.focus_at(v.k)

    # -- mouse -------------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.layout_ is None or self.view is None:
            return
        hit = self.layout_.hit(offset.x, offset.y)
        if hit is None:
            return
        layer, slot = hit
        if slot.is_marker:
            self._scroll(layer, slot)
        else:
            self.post_message(self.NeuronClicked(layer, slot.unit))

    def _scroll(self, layer: int, slot: Slot) -> None:
        """A click on `⋮ k more` brings its first hidden units into view."""
        self.offsets[layer] = slot.first if slot.first > 0 else max(0, self.offsets.get(layer, 0) - slot.hidden)
        self._rows = None
        self.refresh()

    def scroll_layer(self, layer: int, delta: int) -> None:
        if self.view is None or layer > self.view.spec.layers:
            return
        self.offsets[layer] = max(0, self.offsets.get(layer, 0) + delta)
        self._rows = None
        self.refresh()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        layer = self.layout_.column_at(event.x) if self.layout_ else None
        if layer is not None:
            self.scroll_layer(layer, 1)
            event.stop()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        layer = self.layout_.column_at(event.x) if self.layout_ else None
        if layer is not None:
            self.scroll_layer(layer, -1)
            event.stop()
