"""How a weight label degrades when its gap is too narrow: a layer at a time, never all labels at once.

A weight label has up to five forms, richest first (FORMS). In the backward pass:

    LONG     `0.4 ∂L/∂w 0.08217`                  one row (the README's own example)
    STACKED  `0.4` over `∂L/∂w 0.08217`           two rows: narrower, spends a free row under each port
    TALL     `0.4` over `∂L/∂w` over `0.08217`    three rows: as narrow as a weight alone
    SHORT    `0.4 ∂0.08217`                       one row, for when rows are short too
    WEIGHT   `0.4`                                the weight alone, as in the forward pass

Before the backward pass a label is the weight alone (LONG is its only form); at the update it is
`0.4→0.3589`, then `0.4` over `→0.3589`, then `→0.3589`. The first line sits on the edge's run
(` 0.4 ──▸`); further lines sit under it, where no run or arrow is, so they may reach the arrow's column.
The targets `y 0.01` on the output → loss edges go before a label takes three rows. Pure (no textual).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backprop_tui.tui.net_layout import Content

LONG, STACKED, TALL, SHORT, WEIGHT = range(5)
FORMS = ("long", "stacked", "tall", "short", "weight")
DROP_Y = TALL  # the loss edges' y labels go before any layer degrades to this form


@dataclass(frozen=True)
class Choice:
    """The form of each layer's weight labels (index 0 unused) and whether the y labels show."""

    forms: tuple[int, ...]
    y: bool = True


def span(lines: tuple[str, ...]) -> int:
    """Cells a label takes before its edge's arrow: its first line padded (` 0.4 `), the others led by a
    space and free to reach the arrow's column."""
    return max([len(lines[0]) + 2] + [len(t) for t in lines[1:]])


def forms_of(c: Content, layer: int) -> tuple[tuple[int, int] | None, ...]:
    """(width, rows) of each form of layer's labels; None where the layer has no such form."""
    if c.label_forms:
        return c.label_forms[layer]
    return ((c.label_width[layer], 1),)


def configs(c: Content) -> Iterator[Choice]:
    """Every label choice worth trying, richest first, each a step poorer than the last: all layers in their
    richest form with the y labels; then, form by form, the layer with the widest labels first degrades."""
    layers = range(1, len(c.sizes))
    options = {layer: forms_of(c, layer) for layer in layers}
    cur = [0] * len(c.sizes)
    y = c.loss_label_width > 0
    seen: set[tuple[object, ...]] = set()

    def fresh() -> bool:
        key = (tuple(options[la][cur[la]] for la in layers), y)
        if key in seen:
            return False
        seen.add(key)
        return True

    if fresh():
        yield Choice(tuple(cur), y)
    deepest = max([len(o) for o in options.values()] + [DROP_Y + 1])
    for form in range(1, deepest):
        if form == DROP_Y and y:
            y = False
            if fresh():
                yield Choice(tuple(cur), y)
        ready = [la for la in layers if form < len(options[la]) and options[la][form] is not None]
        for layer in sorted(ready, key=lambda la: -_width(options[la][cur[la]])):
            cur[layer] = form
            if fresh():
                yield Choice(tuple(cur), y)


def _width(form: tuple[int, int] | None) -> int:
    return form[0] if form else 0
