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

## The graph: a circuit, as CS231n and micrograd draw it
- Left to right: leaves on the left, the output on the right, one column per depth (a leaf sits just
  before its first use). Each wire is named where it starts.
- **Above** a wire: its forward **value**. **Below** it: its **gradient** `grad(name)`, once the
  backward pass has reached it. `?` is not known yet at this step; `—` a constant (no gradient).
- `∂=2` where a wire enters its gate: that edge's **local derivative** (`d=2` in `--ascii`).
- A gate shows its operation (`+`, `×`, `exp`, `1/x`, `+1`), or a short formula; `ƒ` is a statement of
  several operations (the step panel writes it out at each step about it; `g` shows its gates).
- **Fan-out**: where a value feeds several gates, the stem carries the summed gradient and each branch,
  below its `∂`, its own share `grad(use)·∂use/∂name`: gradients add at a fork.
- **Far uses**: a use more than 4 columns away, or beyond a value's 4 nearest uses, is a stub at the
  consumer, named after the value (`w3 ─∂=2─▶`); the definition lists them (`→ n4 n11 +16`), and
  selecting it lists each use's share in the step panel.
- Colours: value, gradient and local derivative each have their own; red only where torch disagrees.
  The current step is highlighted (bold, underlined); click a node, or find it with `/`, to select it.
- `g`: statement level (one node per statement) / gate level (one node per operation, named
  `y.1, y.2, …`). A statement step shows as its last gate step; a gate step as its statement's step.
- `z`: fit / 1:1. Fit draws the circuit whole in the panel if it can: every formula and 4 digits where
  there is room, else `ƒ` gates and 3 digits; a circuit still too wide wraps into bands, top to bottom,
  each wire running on past a band's end and back under it into the next; the program column narrows
  when that saves a band. Only what cannot fit even so scrolls. 1:1: every formula, 4 significant
  digits, one band. Arrows and `n`/`p` step; scroll the graph with the mouse wheel, `up`/`down`,
  `pageup`/`pagedown`, `shift`+wheel sideways.

**A PyTorch script** (`loss.backward()`, `x.grad`, updates under `torch.no_grad()`, a `for` loop): each
`backward()` is a backward pass in the step list, numbered by its call and tagged with its loop iteration;
a leaf's step adds this pass to its `.grad` (`x.grad = 4.5 (before) + 4.5 (this pass) = 9`), an update
writes its arithmetic (`w = w - lr·grad(w) = …`). Names made in a loop carry the iteration (`loss@2`).
The graph shows the current iteration only, with the values that iteration used and the gradients of its
backward pass; it changes as the steps cross into the next one. `f` and `b` go to the end of the next
forward steps and of the backward pass, `j` to an iteration (`3`) or a backward pass (`p3`); the step
panel lists what the script has printed so far.

**Quiz mode** (`q`). Each number is hidden until you type a prediction in the quiz panel: a number or
arithmetic (`2*3`, `1/4`). Right (within 0.1%, or the answer rounded to the digits you typed, at least 2):
✓ and the next step. Wrong: a hint naming the rule, a second try, then the answer with its arithmetic.
Enter moves on where nothing is asked; escape leaves the input; the choice beside Check picks the phases.

## Keys
`→`/`n` next · `←`/`p` previous · `home`/`end` start/end · `f` finish forward · `b` run backward ·
`e` edit · `escape` leave the editor · `ctrl+r` rebuild now · `o` open · `s` save · `t` presets ·
`/` find a node · `j` jump to a backward pass or iteration · `g` statement/gate level · `z` fit/1:1 ·
`q` quiz mode · `?`/`f1` this help ·
`ctrl+p` command palette · `ctrl+z` undo opening a program ·
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
