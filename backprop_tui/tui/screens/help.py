"""Help: the chain rule, the product rule, and how to read the screen."""

from __future__ import annotations

from typing import ClassVar

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
# Backpropagation, one step at a time

**Forward pass.** Each line `y = expression` is computed from names already known.

**Local derivatives.** For each edge `a → y`, the partial derivative `∂y/∂a` of that one statement,
with its other inputs held fixed. For `y1 = x·w1 + b1`: `∂y1/∂w1 = x`, `∂y1/∂x = w1`, `∂y1/∂b1 = 1`.

**Backward pass.** `grad(a)` means `∂output/∂a`. The output's own gradient is 1. Then, in reverse order,

    grad(a) = Σ over each use y of a:  grad(y) · ∂y/∂a          (the chain rule)

When a name is used more than once (fan-out), one term per use is added up: `grad(a)` is a sum.

**Product rule.** `∂(u·v)/∂u = v` and `∂(u·v)/∂v = u`; for `a·a` both uses count: `∂(a·a)/∂a = a + a = 2a`.

**Checks.** Each figure is compared with PyTorch autograd in float64 (`✓` agrees, `✗` disagrees,
`…` pending while torch loads in its own process) and, as a hint, with finite differences.

## On screen
- node box: `name = operation`, its value, its gradient (`Σ` when terms add up), one row per input
  with the local derivative; `?` is not known yet at this step
- `const(2)`: a constant (no `requires_grad`): no gradient
- the current step is highlighted; click a node (or press `/`) to select it and see full values

## Keys
`→`/`n` next · `←`/`p` previous · `home`/`end` start/end · `f` finish forward · `b` run backward ·
`e` edit · `escape` leave the editor · `ctrl+r` rebuild now · `o` open · `s` save · `t` presets ·
`/` find a node · `?`/`f1` this help · `ctrl+p` command palette · `ctrl+z` undo opening a program ·
`ctrl+q` quit (asks first if there are unsaved edits) · in the editor `f7` selects all ·
`w` back to the network, after opening a neuron's chain from it

Close this help with `escape`, `q`, `?` or `f1`.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark,f1", "close", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 96; height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Markdown(HELP))  # rendered at once: no child widgets to mount

    _help_closing = False

    def action_close(self) -> None:
        if not self._help_closing:  # a second key before it has gone is ignored
            self._help_closing = True
            self.dismiss(None)
