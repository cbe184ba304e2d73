"""A network trace's quiz: per-neuron questions derived from its matrix steps, never a whole matrix.

Pure: numpy, no textual, no torch. For one data row (the screen's row, default the first): each neuron's
pre-activation z and activation a (forward), the loss (forward), ∂L/∂a, the activation's slope
∂a/∂z = f'(z) (local) and δ = ∂L/∂z of each neuron (grad), and one weight's gradient per layer (grad: by
default fc_l.weight[0,0], the textbook's w1 and w5). Not asked: bias gradients (Σ δ over rows), the softmax
Jacobian (a matrix, given whole), the update, and anything frozen.

Names follow Mazur's step-by-step post, as the network screen does: inputs x1, x2…, hidden units h1, h2…
(h1.1, h2.3… with several hidden layers: layer.unit), outputs o1, o2…, targets y1, y2…; a weight by its ends,
`h1→o1`, and by its nn.Linear entry, fc2.weight[0,0] ([out, in], from 0). Source of the classic figures
(out_h1 = 0.593269992, ∂E/∂w5 = 0.082167041): M. Mazur, "A Step by Step Backpropagation Example" (2015).
"""

from __future__ import annotations

from backprop_tui.engine.rules import RULES
from backprop_tui.network.engine import NetTrace, Pass, full_pass
from backprop_tui.network.formulas import loss_formula, output_grad
from backprop_tui.network.neuron import unit_name
from backprop_tui.network.spec import Spec
from backprop_tui.numbers import short
from backprop_tui.quiz.questions import Question, given

MAX_TERMS = 4  # terms of a sum written out, then `+ … (k more)`
ACTIVATION = {
    "sigmoid": "σ(z) = 1/(1 + e^(−z))", "tanh": "tanh(z) = (e^z − e^(−z))/(e^z + e^(−z))",
    "relu": "relu(z) = max(0, z)", "identity": "a = z (no activation)",
    "softmax": "softmax(z)_i = e^(z_i)/Σ_j e^(z_j) over the layer",
}
SLOPE = {"sigmoid": "a·(1 − a)", "tanh": "1 − a²", "relu": "1 if z > 0 else 0"}


def _loss_text(spec: Spec) -> str:
    return loss_formula(spec.loss, spec.output, f"a{spec.layers}")


def num(v: float) -> str:
    text = short(float(v))
    return f"({text})" if text.startswith("-") else text


def _sum(terms: list[str], total: int) -> str:
    more = total - len(terms)
    return " + ".join(terms) + (f" + … ({more} more)" if more > 0 else "")


class _Net:
    """What the questions read: names, the forward and backward pass, the row asked about."""

    def __init__(self, tr: NetTrace, row: int) -> None:
        self.spec, self.tr, self.row = tr.spec, tr, row
        self.sizes = tuple(tr.spec.sizes)
        self.p: Pass = full_pass(tr.spec, tr.params)
        rows = len(tr.spec.x)
        self.tag = f" (row {row + 1})" if rows > 1 else ""
        self.rows = rows

    def name(self, layer: int, unit: int) -> str:
        return unit_name(self.sizes, layer, unit)

    def act(self, layer: int, unit: int) -> str:
        """An input is x1 itself; a neuron's output is a(h1)."""
        return self.name(layer, unit) if layer == 0 else f"a({self.name(layer, unit)})"

    def weight(self, layer: int, dst: int, src: int) -> str:
        return f"w({self.name(layer - 1, src)}→{self.name(layer, dst)})"

    def q(self, step: int, entry: tuple[int, ...], phase: str, label: str, context: str, answer: float,
          hint: str, working: str) -> Question:
        """A question about one neuron on the row asked: its label names the row when there are several."""
        return Question(step, entry, phase, label + self.tag, float(answer), working, given(context, hint))


def network_questions(tr: NetTrace, row: int = 0,
                      weights: dict[int, tuple[int, int]] | None = None) -> tuple[Question, ...]:
    """The per-neuron questions of a network trace for data row `row`, in step order.

    weights: per layer l, the (out, in) entry of fc_l.weight whose gradient is asked (default (0, 0)).
    Each question's entry indexes the step's array: (row, unit), or (out, in) for a weight's gradient.
    """
    if not 0 <= row < len(tr.spec.x):
        raise ValueError(f"row {row}: the data has {len(tr.spec.x)} rows")
    net = _Net(tr, row)
    out: list[Question] = []
    asked_delta_out = False
    L = tr.spec.layers
    for i, (key, arr) in enumerate(zip(tr.keys, tr.arrays, strict=True)):
        if arr is None:
            continue
        kind = key[0]
        if kind == "loss":
            out.append(_loss(net, i, float(arr)))
            continue
        if kind == "grad":
            name = key[1]
            if name.endswith(".weight"):
                layer = int(name[2:name.index(".")])
                dst, src = (weights or {}).get(layer, (0, 0))
                out.append(_weight_grad(net, i, layer, dst, src, float(arr[dst, src])))
            continue
        if kind not in ("z", "a", "grad_a", "fprime", "grad_z"):
            continue  # the softmax Jacobian and the update: not asked
        layer = int(key[1])
        if kind == "grad_z" and layer == L:
            if asked_delta_out:
                continue  # softmax + cross-entropy: the shortcut repeats J·∂L/∂a's numbers
            asked_delta_out = True
        for unit in range(arr.shape[1]):
            out.append(_BUILD[kind](net, i, layer, unit, float(arr[row, unit])))
    return tuple(out)


def _z(net: _Net, i: int, layer: int, unit: int, value: float) -> Question:
    W, b = net.tr.params[f"fc{layer}.weight"], net.tr.params[f"fc{layer}.bias"]
    prev = net.p.acts[layer - 1][net.row]
    u = net.name(layer, unit)
    n_in = W.shape[1]
    symbols = [f"{net.weight(layer, unit, s)}·{net.act(layer - 1, s)}" for s in range(min(n_in, MAX_TERMS))]
    numbers = [f"{num(W[unit, s])}·{num(prev[s])}" for s in range(min(n_in, MAX_TERMS))]
    context = f"z({u}) = {_sum(symbols, n_in)} + b({u})"
    work = f"z({u}) = {_sum(numbers, n_in)} + {num(b[unit])} = {short(value)}"
    hint = (f"a neuron's pre-activation: z = Σ w·a + b, one product per weight into {u} (row {unit} of "
            f"fc{layer}.weight) plus its bias fc{layer}.bias[{unit}]")
    return net.q(i, (net.row, unit), "forward", f"z({u})", context, value, hint, work)


def _a(net: _Net, i: int, layer: int, unit: int, value: float) -> Question:
    f = net.spec.act(layer)
    u = net.name(layer, unit)
    z = net.p.zs[layer][net.row]
    if f == "softmax":
        names = [f"z({net.name(layer, j)})" for j in range(len(z))]
        context = f"a({u}) = e^z({u}) / ({_sum([f'e^{n}' for n in names[:MAX_TERMS]], len(z))})"
        work = (f"a({u}) = e^{num(z[unit])} / ({_sum([f'e^{num(v)}' for v in z[:MAX_TERMS]], len(z))}) = "
                f"{short(value)}")
    else:
        context = f"a({u}) = {f}(z({u}))"
        work = f"a({u}) = {f}({short(z[unit])}) = {short(value)}"
    return net.q(i, (net.row, unit), "forward", f"a({u})", context, value,
                 f"the activation: {ACTIVATION[f]}", work)


def _loss(net: _Net, i: int, value: float) -> Question:
    spec = net.spec
    a, y = net.p.acts[spec.layers], spec.y
    work = net.tr.steps[i].formula
    if spec.loss in ("half_sse", "mse") and a.size <= 6:
        squares = " + ".join(f"({short(av)} − {short(yv)})²" for av, yv in zip(a.ravel(), y.ravel(), strict=True))
        scale = f"½·({squares})" + (f"/{net.rows}" if net.rows > 1 else "") if spec.loss == "half_sse" \
            else f"({squares})/{a.size}"
        work = f"L = {scale} = {short(value)}"
    return Question(i, (), "forward", "L", value, work,
                    given(f"L = {_loss_text(spec)}", f"the loss: L = {_loss_text(spec)}, with the outputs a and "
                          "the targets y"))


def _grad_a(net: _Net, i: int, layer: int, unit: int, value: float) -> Question:
    u = net.name(layer, unit)
    label = f"∂L/∂a({u})"
    if layer == net.spec.layers:
        symbolic, numbers, hint = _output_grad(net, unit)
        return net.q(i, (net.row, unit), "grad", label, f"{label} = {symbolic}", value, hint,
                     f"{label} = {symbolic} = {numbers} = {short(value)}")
    W = net.tr.params[f"fc{layer + 1}.weight"]
    delta = net.p.deltas[layer + 1]
    assert delta is not None
    users = [net.name(layer + 1, v) for v in range(W.shape[0])]
    symbols = [f"δ({c})·{net.weight(layer + 1, v, unit)}" for v, c in enumerate(users[:MAX_TERMS])]
    numbers = [f"{num(delta[net.row, v])}·{num(W[v, unit])}" for v in range(min(len(users), MAX_TERMS))]
    listed = ", ".join(users[:MAX_TERMS]) + (", …" if len(users) > MAX_TERMS else "")
    who = (f"one consumer, {users[0]}: its δ times the weight from {u}" if len(users) == 1 else
           f"{len(users)} consumers, {listed}: add each one's δ times the weight from {u} (the chain rule's "
           "sum over consumers)")
    hint = f"{label} = {_sum(symbols, len(users))}: a({u}) feeds {who}"
    return net.q(i, (net.row, unit), "grad", label, f"{label} = Σ over the neurons a({u}) feeds", value, hint,
                 f"{label} = {_sum(symbols, len(users))} = {_sum(numbers, len(users))} = {short(value)}")


def _output_grad(net: _Net, unit: int) -> tuple[str, str, str]:
    """∂L/∂a of one output for one row: (symbolic, with numbers, hint)."""
    spec, row = net.spec, net.row
    return output_grad(spec.loss, spec.output, net.p.acts[spec.layers][row], spec.y[row], unit, net.rows,
                       a=f"a({net.name(spec.layers, unit)})", y=f"y{unit + 1}")


def _fprime(net: _Net, i: int, layer: int, unit: int, value: float) -> Question:
    f = net.spec.act(layer)
    u = net.name(layer, unit)
    av, zv = net.p.acts[layer][net.row, unit], net.p.zs[layer][net.row, unit]
    label = f"∂a({u})/∂z({u})"
    context = f"{label} = {f}'(z({u})), the activation's slope"
    if f not in RULES:  # identity
        return net.q(i, (net.row, unit), "local", label, context, value,
                     f"no activation: a({u}) = z({u}), and the derivative of a name by itself is 1",
                     f"{label} = 1 (identity)")
    numbers = {"sigmoid": f"{short(av)}·(1 − {short(av)})", "tanh": f"1 − {num(av)}²",
               "relu": f"{'1, as' if zv > 0 else '0, as'} z({u}) = {short(zv)} {'> 0' if zv > 0 else '≤ 0'}"}[f]
    return net.q(i, (net.row, unit), "local", label, context, value,
                 f"the rule table's line: {RULES[f].calculus[0]} (here a stands for z({u}), and {f}(z({u})) "
                 f"is a({u}))", f"{label} = {SLOPE[f]} = {numbers} = {short(value)}")


def _delta(net: _Net, i: int, layer: int, unit: int, value: float) -> Question:
    spec, row = net.spec, net.row
    u = net.name(layer, unit)
    label = f"δ({u})"
    context = f"{label} = ∂L/∂z({u})"
    if layer == spec.layers and spec.output == "softmax":
        s, y = net.p.acts[layer][row], spec.y[row]
        if spec.loss == "cross_entropy":
            return net.q(i, (row, unit), "grad", label, context, value,
                         "softmax with cross-entropy: the Jacobian and −y/a cancel, so δ = (s·Σy − y)/N per output",
                         f"{label} = (a({u})·Σy − y{unit + 1})/N = ({short(s[unit])}·{short(y.sum())} − "
                         f"{short(y[unit])})/{net.rows} = {short(value)}")
        g = net.p.grad_out[row]
        inner = _sum([f"{num(sv)}·{num(gv)}" for sv, gv in zip(s[:MAX_TERMS], g[:MAX_TERMS], strict=True)], len(s))
        return net.q(i, (row, unit), "grad", label, context, value,
                     "a softmax output feeds every output's a: δ(o_i) = a(o_i)·(∂L/∂a(o_i) − Σ_j a(o_j)·∂L/∂a(o_j))",
                     f"{label} = {short(s[unit])}·({short(g[unit])} − ({inner})) = {short(value)}")
    ga, fp = net.p.grad_acts[layer], net.p.acts[layer]
    assert ga is not None
    slope = _fprime_value(spec.act(layer), net.p.zs[layer][row, unit], fp[row, unit])
    return net.q(i, (row, unit), "grad", label, context, value,
                 f"z({u}) has one consumer, a({u}): δ({u}) = ∂L/∂a({u})·∂a({u})/∂z({u})",
                 f"{label} = ∂L/∂a({u})·∂a({u})/∂z({u}) = {num(ga[row, unit])}·{num(slope)} = {short(value)}")


def _fprime_value(f: str, z: float, a: float) -> float:
    return {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "relu": float(z > 0)}.get(f, 1.0)


def _weight_grad(net: _Net, i: int, layer: int, dst: int, src: int, value: float) -> Question:
    d = net.name(layer, dst)
    w = net.weight(layer, dst, src)
    label = f"∂L/∂{w}"
    delta = net.p.deltas[layer]
    assert delta is not None
    prev = net.p.acts[layer - 1]
    ref = f"fc{layer}.weight[{dst},{src}]"
    a_prev = net.act(layer - 1, src)
    if net.rows == 1:
        work = f"{label} = δ({d})·{a_prev} = {num(delta[0, dst])}·{num(prev[0, src])} = {short(value)}"
    else:
        terms = [f"{num(delta[r, dst])}·{num(prev[r, src])}" for r in range(min(net.rows, MAX_TERMS))]
        work = f"{label} = Σ over the rows of δ({d})·{a_prev} = {_sum(terms, net.rows)} = {short(value)}"
    hint = (f"{w} is read by one neuron, {d}, where ∂z({d})/∂{w} = {a_prev}: one consumer, z({d}), so "
            f"{label} = δ({d})·{a_prev}" + (", summed over the rows" if net.rows > 1 else ""))
    return Question(i, (dst, src), "grad", label, value, work, given(f"{label}, the gradient of {ref}", hint))


_BUILD = {"z": _z, "a": _a, "grad_a": _grad_a, "fprime": _fprime, "grad_z": _delta}
