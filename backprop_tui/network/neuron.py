"""Neurons by name, and one neuron's arithmetic with its numbers substituted.

Names, as in Mazur's step-by-step post: inputs x1, x2…, hidden units h1, h2… (h1.1, h2.3… with several
hidden layers: layer.unit), outputs o1, o2…; all 1-based. A weight is named by its ends, `h1→o1`, and
by its nn.Linear entry, `fc2.weight[0,0]` (0-based, [out, in]), so Mazur's w5 is h1→o1 = fc2.weight[0,0].
A neuron as a chain is `fc2:0` (what `expand --neuron` takes). Pure: no textual, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from backprop_tui.network import formulas as F
from backprop_tui.network.engine import NetTrace, Pass
from backprop_tui.network.reveal import NEVER, Reveal
from backprop_tui.network.spec import Spec
from backprop_tui.numbers import full, plural, short

MAX_TERMS = 6  # a substituted sum shows at most this many terms
MAX_WEIGHT_ROWS = 12  # incoming weights listed in the detail, then `… k more`


def unit_name(sizes: tuple[int, ...], layer: int, unit: int) -> str:
    if layer == 0:
        return f"x{unit + 1}"
    if layer == len(sizes) - 1:
        return f"o{unit + 1}"
    if len(sizes) == 3:
        return f"h{unit + 1}"
    return f"h{layer}.{unit + 1}"


def edge_name(sizes: tuple[int, ...], layer: int, dst: int, src: int) -> str:
    """`h1→o1`: the weight fc{layer}.weight[dst, src] named by its ends."""
    return f"{unit_name(sizes, layer - 1, src)}→{unit_name(sizes, layer, dst)}"


def weight_ref(layer: int, dst: int, src: int) -> str:
    return f"fc{layer}.weight[{dst},{src}]"


def neuron_ref(layer: int, unit: int) -> str:
    """The name `expand --neuron` and the app's `c` take: fc2:0."""
    return f"fc{layer}:{unit}"


def num(v: float) -> str:
    """A factor in a product: 6 significant digits, a negative one in parentheses, with a real minus sign."""
    text = short(float(v)).replace("-", "−")
    return f"({text})" if text.startswith("−") else text


def val(v: float) -> str:
    """A result: 6 significant digits with a real minus sign."""
    return short(float(v)).replace("-", "−")


def _terms(pairs: list[tuple[float, float]], total: int | None = None) -> str:
    shown = [f"{num(a)}·{num(b)}" for a, b in pairs[:MAX_TERMS]]
    more = (total if total is not None else len(pairs)) - len(shown)
    return " + ".join(shown) + (f" + … ({more} more)" if more > 0 else "")


@dataclass(frozen=True)
class Line:
    text: str
    kind: str = "known"  # head | known | pending | note | table | full


@dataclass(frozen=True)
class Ctx:
    spec: Spec
    net: NetTrace
    p: Pass
    reveal: Reveal
    k: int
    row: int

    def known(self, figure: str, layer: int, unit: int | None = None) -> bool:
        """Its number may be shown: computed by now and, for a neuron's figure (`unit`) or the loss, not
        waiting for a quiz prediction."""
        entry = () if figure == "loss" else None if unit is None else (self.row, unit)
        if entry is None:
            return self.reveal.known(figure, layer, self.k)
        return self.reveal.shown(figure, layer, self.k, entry)

    def pending(self, what: str, figure: str, layer: int, unit: int | None = None) -> Line:
        """A figure not shown yet: when it comes, or that the quiz asks it now."""
        if self.reveal.known(figure, layer, self.k):
            return Line(f"{what} = ?  (the quiz asks it: predict it below)", "ask")
        at = self.reveal.step_of(figure, layer)
        when = "not in this trace" if at == NEVER else f"at step {at}"
        return Line(f"{what}: {when}", "pending")


def neuron_lines(spec: Spec, net: NetTrace, p: Pass, reveal: Reveal, k: int, layer: int, unit: int,
                 row: int) -> list[Line]:
    """The detail of one neuron (layer 0: an input; L + 1: the loss) for one data row at position k."""
    ctx = Ctx(spec, net, p, reveal, k, row)
    L = spec.layers
    if layer == 0:
        lines = _input_lines(ctx, unit)
    elif layer == L + 1:
        lines = _loss_lines(ctx)
    else:
        lines = _unit_lines(ctx, layer, unit)
    if not reveal.secrets:
        return lines
    return [Line(reveal.mask(line.text), line.kind) for line in lines]  # quiz: a pending number as an operand


def _input_lines(ctx: Ctx, unit: int) -> list[Line]:
    spec, sizes = ctx.spec, ctx.spec.sizes
    name = unit_name(sizes, 0, unit)
    out = [Line(f"{name} · input feature {unit} · data row {ctx.row} of {len(spec.x)}", "head"),
           Line(f"{name} = {val(float(spec.x[ctx.row, unit]))}   (full: {full(float(spec.x[ctx.row, unit]))})")]
    W = ctx.net.params["fc1.weight"]
    outs = [f"{edge_name(sizes, 1, j, unit)} {weight_ref(1, j, unit)} = {val(float(W[j, unit]))}"
            for j in range(min(sizes[1], MAX_WEIGHT_ROWS))]
    more = sizes[1] - len(outs)
    out.append(Line("feeds: " + "; ".join(outs) + (f"; … {more} more" if more > 0 else ""), "note"))
    return out


def _loss_lines(ctx: Ctx) -> list[Line]:
    spec, L = ctx.spec, ctx.spec.layers
    out = [Line(f"L · the loss ({spec.loss}) over all {plural(len(spec.x), 'row')}", "head")]
    if not ctx.known("loss", 0):
        return [*out, ctx.pending("L", "loss", 0, 0)]
    text = F.loss_numbers(spec.loss, spec.output, ctx.p.acts[L], spec.y)
    out.append(Line(f"L = {F.loss_formula(spec.loss, spec.output, f'a{L}')}"))
    out.append(Line(f"  = {text} = {val(ctx.p.loss)}"))
    out.append(Line(f"full precision: L = {full(ctx.p.loss)}", "full"))
    return out


def _unit_lines(ctx: Ctx, layer: int, unit: int) -> list[Line]:
    spec, sizes, p, row = ctx.spec, ctx.spec.sizes, ctx.p, ctx.row
    L = spec.layers
    act = spec.act(layer)
    name = unit_name(sizes, layer, unit)
    W = ctx.net.params[f"fc{layer}.weight"]
    b = float(ctx.net.params[f"fc{layer}.bias"][unit])
    a_prev = p.acts[layer - 1][row]
    out = [Line(f"{name} = {neuron_ref(layer, unit)} · {act} · data row {row} of {len(spec.x)} · c: as a chain",
                "head")]
    n_in = sizes[layer - 1]
    pairs = [(float(W[unit, i]), float(a_prev[i])) for i in range(n_in)]
    z, a = float(p.zs[layer][row, unit]), float(p.acts[layer][row, unit])
    if ctx.known("z", layer, unit):
        out.append(Line(f"z = Σ w·a + b = {_terms(pairs)} + {num(b)} = {val(z)}"))
    else:
        out.append(ctx.pending("z = Σ w·a + b", "z", layer, unit))
    if act == "softmax":
        a_text = f"a = softmax(z)[{unit}] = e^z / Σ e^z over o1…o{sizes[layer]} = {val(a)}"
    else:
        a_text = f"a = {act}(z) = {act}({val(z)}) = {val(a)}"
    out.append(Line(a_text) if ctx.known("a", layer, unit) else ctx.pending(f"a = {act}(z)", "a", layer, unit))
    out += _backward_lines(ctx, layer, unit, a)
    known = [f"z = {full(z)}" if ctx.known("z", layer, unit) else "",
             f"a = {full(a)}" if ctx.known("a", layer, unit) else ""]
    d = p.deltas[layer]
    if ctx.known("delta", layer, unit) and d is not None:
        known.append(f"δ = {full(float(d[row, unit]))}")
    if any(known):
        out.append(Line("full precision: " + ", ".join(t for t in known if t), "full"))
    if layer == L and spec.output != "softmax" and spec.loss == "cross_entropy":
        out.append(Line("the outputs are logits: cross-entropy applies softmax itself", "note"))
    return out + _weight_table(ctx, layer, unit)


def _backward_lines(ctx: Ctx, layer: int, unit: int, a: float) -> list[Line]:
    spec, sizes, p, row = ctx.spec, ctx.spec.sizes, ctx.p, ctx.row
    L = spec.layers
    act = spec.act(layer)
    out: list[Line] = []
    ga = p.grad_acts[layer]
    d = p.deltas[layer]
    if ga is None or d is None:
        return [Line("no gradient reaches this neuron: every parameter up to here is frozen", "note")]
    g, delta = float(ga[row, unit]), float(d[row, unit])
    if ctx.known("grad_a", layer, unit):
        if layer == L:
            out.append(Line(f"∂L/∂a = {_grad_out_text(spec, p, row, unit)} = {val(g)}"))
        else:
            W_next = ctx.net.params[f"fc{layer + 1}.weight"]
            d_next = p.deltas[layer + 1]
            assert d_next is not None
            pairs = [(float(d_next[row, j]), float(W_next[j, unit])) for j in range(sizes[layer + 1])]
            outs = ", ".join(unit_name(sizes, layer + 1, j) for j in range(min(3, sizes[layer + 1])))
            more = "…" if sizes[layer + 1] > 3 else ""
            out.append(Line(f"∂L/∂a = Σ δ·w over {outs}{more} = {_terms(pairs)} = {val(g)}"))
    else:
        out.append(ctx.pending("∂L/∂a", "grad_a", layer, unit))
    shortcut = layer == L and spec.loss == "cross_entropy"
    if act == "softmax":
        if ctx.known("fprime", layer):
            out.append(Line("∂a/∂z: softmax couples the outputs, J = diag(s) − s·sᵀ (each δ mixes every ∂L/∂a)"))
        if ctx.known("delta", layer, unit):
            s, y = float(p.acts[layer][row, unit]), float(spec.y[row, unit])
            text = (f"δ = (s − y)/N = ({num(s)} − {num(y)})/{len(spec.x)} = {val(delta)}   (the shortcut: "
                    f"the same as J·∂L/∂a)" if shortcut else f"δ = (J·∂L/∂a)[{unit}] = {val(delta)}")
            out.append(Line(text))
        else:
            out.append(ctx.pending("δ = J·∂L/∂a", "delta", layer, unit))
        return out
    z = float(p.zs[layer][row, unit])
    rule = {"sigmoid": f"a·(1 − a) = {num(a)}·(1 − {num(a)})", "tanh": f"1 − a² = 1 − {num(a)}²",
            "relu": f"1 if z > 0 else 0, z = {val(z)}", "identity": "1"}[act]
    fprime = _fprime(act, z, a)
    if ctx.known("fprime", layer, unit):
        out.append(Line(f"{act}'(z) = {rule} = {val(fprime)}"))
    else:
        out.append(ctx.pending(f"{act}'(z)", "fprime", layer, unit))
    if ctx.known("delta", layer, unit):
        out.append(Line(f"δ = ∂L/∂z = ∂L/∂a · {act}'(z) = {num(g)}·{num(fprime)} = {val(delta)}"))
    else:
        out.append(ctx.pending("δ = ∂L/∂a · f'(z)", "delta", layer, unit))
    return out


def _fprime(act: str, z: float, a: float) -> float:
    if act == "sigmoid":
        return a * (1 - a)
    if act == "tanh":
        return 1 - a * a
    if act == "relu":
        return 1.0 if z > 0 else 0.0
    return 1.0


def _grad_out_text(spec: Spec, p: Pass, row: int, unit: int) -> str:
    symbolic, numbers, _ = F.output_grad(spec.loss, spec.output, p.acts[spec.layers][row], spec.y[row], unit,
                                         len(spec.y), fmt=num)
    return f"{symbolic} = {numbers}"


def _weight_table(ctx: Ctx, layer: int, unit: int) -> list[Line]:
    """Two lines per incoming weight: its ends, nn.Linear name, value (and updated value); then ∂L/∂w as the
    product of its factors (for a batch, the sum over rows and the chosen row's term)."""
    spec, sizes, p = ctx.spec, ctx.spec.sizes, ctx.p
    W = ctx.net.params[f"fc{layer}.weight"]
    n_rows = len(spec.x)
    d = p.deltas[layer]
    a_prev = p.acts[layer - 1]
    w_frozen = f"fc{layer}.weight" in spec.freeze
    grads_known = ctx.known("grad_w", layer) and d is not None
    update_known = ctx.known("update_w", layer)
    out = [Line("incoming weights, w and ∂L/∂w", "table-head")]
    n_in = sizes[layer - 1]
    width = max(len(weight_ref(layer, unit, n_in - 1)), len(f"fc{layer}.bias[{unit}]"))
    for i in range(min(n_in, MAX_WEIGHT_ROWS)):
        src = unit_name(sizes, layer - 1, i)
        ref = weight_ref(layer, unit, i)
        head = f"{edge_name(sizes, layer, unit, i):<7} {ref:<{width}}  w = {val(float(W[unit, i]))}"
        asked = ctx.reveal.hidden("grad_w", layer, (unit, i))  # the quiz asks this weight's gradient
        if update_known and not w_frozen:
            new = "?" if asked else val(float(ctx.net.updated[f'fc{layer}.weight'][unit, i]))
            head += f"  → {new} updated"
        out.append(Line(head, "table"))
        if w_frozen:
            out.append(Line("  └ frozen: no gradient, not updated", "pending"))
        elif grads_known and asked:
            out.append(Line("  └ ∂L/∂w = ?  (the quiz asks it: predict it below)", "ask"))
        elif not grads_known or d is None:
            out.append(Line(f"  └ ∂L/∂w: at step {ctx.reveal.step_of('grad_w', layer)}", "pending"))
        else:
            g = float(ctx.net.grads[f"fc{layer}.weight"][unit, i])  # type: ignore[index]
            if n_rows == 1:
                text = f"∂L/∂w = δ·{src} = {num(float(d[0, unit]))}·{num(float(a_prev[0, i]))} = {val(g)}"
            else:  # the batch sum, and the chosen row's term as its product
                r = ctx.row
                text = (f"∂L/∂w = Σ rows δ·{src} = {val(g)}; row {r}: {num(float(d[r, unit]))}·"
                        f"{num(float(a_prev[r, i]))} = {val(float(d[r, unit] * a_prev[r, i]))}")
            out.append(Line("  └ " + text, "known"))
    if n_in > MAX_WEIGHT_ROWS:
        out.append(Line(f"… {n_in - MAX_WEIGHT_ROWS} more weights (m: the matrix view shows them all)", "note"))
    b = float(ctx.net.params[f"fc{layer}.bias"][unit])
    b_frozen = f"fc{layer}.bias" in spec.freeze
    head = f"{'bias':<7} {f'fc{layer}.bias[{unit}]':<{width}}  b = {val(b)}"
    if ctx.known("update_b", layer) and not b_frozen:
        head += f"  → {val(float(ctx.net.updated[f'fc{layer}.bias'][unit]))} updated"
    out.append(Line(head, "table"))
    if b_frozen:
        out.append(Line("  └ frozen: no gradient, not updated", "pending"))
    elif not ctx.known("grad_b", layer) or d is None:
        out.append(Line(f"  └ ∂L/∂b: at step {ctx.reveal.step_of('grad_b', layer)}", "pending"))
    else:
        gb = float(ctx.net.grads[f"fc{layer}.bias"][unit])  # type: ignore[index]
        out.append(Line("  └ " + (f"∂L/∂b = δ = {val(gb)}" if n_rows == 1 else f"∂L/∂b = Σ rows δ = {val(gb)}"),
                        "known"))
    return out
