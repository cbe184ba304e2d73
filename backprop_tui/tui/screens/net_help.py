"""Help on the network screen: the picture, the matrix notation (row convention, column form beside it),
softmax, and how to drill into a neuron."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from backprop_tui.tui.screens.help import HelpScreen

NETWORK_HELP = """\
# A network, one step at a time

**The picture.** Columns of neurons: the inputs `x1, x2…`, the hidden units `h1, h2…` (with several hidden
layers `h1.1, h2.3…`, layer.unit), the outputs `o1, o2…`, then the loss `L`. Every weight is an edge:
**blue when positive, orange when negative** (TensorFlow Playground's colours), thicker and brighter the
larger |w| is in its layer. Red means one thing only: torch disagrees. A weight is named by its ends,
`h1→o1`, and by its `nn.Linear` entry, `fc2.weight[0,0]` (`[out, in]`, counted from 0): the textbook's w5
is `h1→o1`. Each neuron shows `z` (pre-activation), `a` (activation) and `δ` for one data row (`r` next
row, `R` previous) as the steps reach them; on the way to δ the row shows `∂L/∂a`, then `f'`. Figures in
the picture have 4 significant digits; the neuron panel has them in full.

**Forward.** Each neuron: `z = Σ w·a + b` over its inputs, then `a = f(z)`.

## The matrix steps (the row convention, as torch)

The steps work on the whole batch: a layer's values are a matrix with **one row per data row** (N rows)
and one column per neuron, and `W` is `nn.Linear.weight`, (out × in). For one example written as a column
vector, the textbooks' form is beside it:

| step | batch, rows (what the steps show) | one example, column form |
|---|---|---|
| pre-activation | `Z = A_prev·Wᵀ + b` | `z = W·a + b` |
| activation | `A = f(Z)` | `a = f(z)` |
| δ of a layer | `δ = ∂L/∂A ⊙ f'(Z)` | `δ = ∂L/∂a ⊙ f'(z)` |
| weight gradient | `dW = δᵀ·A_prev` | `dW = δ·aᵀ` |
| bias gradient | `db = Σ δ` over rows | `db = δ` |
| δ of the layer below | `δ_prev = (δ·W) ⊙ f'(Z_prev)` | `δ_prev = (Wᵀ·δ) ⊙ f'(z_prev)` |
| update | `W ← W − lr·dW` | the same |

- `δ` (delta) is `∂L/∂z`: how fast the loss changes with a neuron's pre-activation.
- `⊙` multiplies element by element; `ᵀ` transposes; `Σ` over rows adds each example's share (the loss
  already averages over rows, so the 1/N is inside δ).
- `f'(z)`: sigmoid `a·(1 − a)`, tanh `1 − a²`, relu 1 where z > 0 and 0 otherwise (0 at 0, as torch).

**Softmax.** Each output depends on every z, so `∂a/∂z` is a matrix, the Jacobian
`J = diag(s) − s·sᵀ` (s: the softmax outputs), and `δ = J·∂L/∂a` for each row. With cross-entropy this
simplifies to the shortcut **`δ = (s − y)/N`**; the steps show both, with the same numbers.

**The loss.** `half_sse`: `½·Σ (a − y)²` over outputs, averaged over rows (the textbook's E_total);
`mse`: `(1/n)·Σ (a − y)²` over rows and outputs; `bce`; `cross_entropy` (on logits it applies softmax
itself, as `nn.CrossEntropyLoss`).

## Drilling into a neuron

`↑`/`↓` move the cursor (magenta border) within a layer, `[`/`]` to the previous/next layer, or click a
neuron. The **neuron** panel writes its arithmetic out: `z = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775`,
`δ = ∂L/∂a · f'(z)`, and for each incoming weight `∂L/∂w = δ·a` as a product of its factors, then the
update. `c` opens exactly that neuron (the footer says which, `c: fc2:0 as a chain`) as a scalar program
in the chain view, every local derivative on its own edge; `w` comes back here.

A layer too wide for the screen shows its first and last neurons and `⋮ 14 more`: move the cursor past
the edge, turn the mouse wheel over the column or click the marker to scroll it. `m` shows the matrices,
every number, rows and columns named by neurons; `enter` on a cell selects its neuron and data row.

## Training

`t` trains for the epochs in the field (the spec's `epochs`), at its lr; the run goes on in the
background and the screen stays live: the diagram's weights, the loss plot and, for 2 input features, the
decision map (the plane coloured by the predicted class, the data on top). `space` pauses and resumes,
`escape` stops. torch checks the first, the last and every tenth epoch. `s` saves the current weights:
a spec with `[params]` that reopens exactly, and a runnable PyTorch script with the same `state_dict`.

## Quiz mode

`q` (or `--quiz` on the command line) hides each neuron's numbers until you have predicted them, for the
data row shown: `z` and `a` of every neuron, the loss, `∂L/∂a`, the slope `f'(z)` and `δ`, and one
weight's gradient per layer (`∂L/∂w(h1→o1)`, the textbook's w5; move the cursor onto another neuron
before the steps reach a layer's gradient to be asked one of its weights instead). A `?` marks what waits
for you, in the diagram, the step, the neuron panel and the matrices. Type a number or arithmetic
(`0.7414*0.1868`) and enter: ✓ and on; wrong, a hint naming the rule, then the answer with its numbers.
`escape` gives the keys back to the diagram; the choice beside Check picks the phases asked.

**Warnings** (⚠ in the step list and the step) say where learning slows or stops (a saturated unit, a
dead relu, vanishing or exploding δ, a diverging lr) and what to try; after training, the run's own
warnings show above the status line. Red is kept for torch disagreeing.

## Keys

`→`/`n` next step · `←`/`p` previous · `home`/`end` · `f` finish forward · `b` run backward ·
`u` apply the update · `↑`/`↓` neuron · `[`/`]` layer · `enter` select · `r`/`R` data row · `c` neuron as
a chain · `m` matrices · `t` train · `space` pause · `s` save · `v` next panel (small screens) ·
`q` quiz · `?`/`f1` this help · `ctrl+p` palette · `escape` back

Close this help with `escape`, `q`, `?` or `f1`.
"""


class NetworkHelpScreen(HelpScreen):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Markdown(NETWORK_HELP))
