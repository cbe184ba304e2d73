"""A neuron, for one data row, as a scalar program of the core chain language, loss included.

The neuron's weights and bias are leaves (const when frozen); its inputs and the other units of its layer
are held at their values (const); the layers after it are written out with their weights as numbers, so
gradients flow back through this neuron only. The loss is this row's share of the batch loss (the batch
loss is the sum of the shares over rows), so grad(z) is the matrix figure δ[row, unit] and grad(w_i) is
this row's term of ∂L/∂W[unit, i].
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from backprop_tui.errors import BadInput
from backprop_tui.network.engine import Pass, full_pass
from backprop_tui.network.spec import Spec
from backprop_tui.numbers import full

# matched against the stripped text: `\s*\]?\s*$` backtracked quadratically over a long run of spaces
_NEURON = re.compile(r"fc(\d{1,9})\s*[:.\[]\s*(\d{1,9})\s*\]?")


@dataclass(frozen=True)
class Expansion:
    text: str  # the program
    layer: int
    unit: int
    row: int
    z: str  # the names of the neuron's pre-activation and activation in the program
    a: str
    weights: tuple[str, ...]  # w_i, in input order
    bias: str


def parse_neuron(spec: Spec, text: str) -> tuple[int, int]:
    m = _NEURON.fullmatch(text.strip())
    if not m:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise BadInput(f"--neuron {shown!r}: write a layer and a unit, such as fc2:0")
    layer, unit = int(m.group(1)), int(m.group(2))
    if not 1 <= layer <= spec.layers:
        raise BadInput(f"--neuron {text}: no layer fc{layer}; this network has fc1..fc{spec.layers}")
    if not 0 <= unit < spec.sizes[layer]:
        raise BadInput(f"--neuron {text}: fc{layer} has units 0..{spec.sizes[layer] - 1}")
    return layer, unit


def expand_neuron(spec: Spec, layer: int, unit: int, row: int = 0,
                  params: dict[str, np.ndarray] | None = None) -> Expansion:
    n = len(spec.x)
    if not 0 <= row < n:
        raise BadInput(f"--row {row}: the data has rows 0..{n - 1}")
    params = params or spec.params
    p: Pass = full_pass(spec, params)
    L = spec.layers
    W = params[f"fc{layer}.weight"]
    bias = params[f"fc{layer}.bias"]
    lines = [
        f"# neuron fc{layer}:{unit} ({spec.act(layer)}), data row {row} of {n}: this row's share of the batch loss",
        "# its weights and bias are the leaves; everything else is held at its value (const)",
    ]
    prev = "x" if layer == 1 else f"a{layer - 1}"
    inputs = [f"{prev}_{i}" for i in range(spec.sizes[layer - 1])]
    for name, v in zip(inputs, p.acts[layer - 1][row], strict=True):
        lines.append(f"{name} = const({full(float(v))})")
    wf = f"fc{layer}.weight" in spec.freeze
    bf = f"fc{layer}.bias" in spec.freeze
    weights = tuple(f"w_{i}" for i in range(len(inputs)))
    for i, name in enumerate(weights):
        lines.append(f"{name} = {_leaf(W[unit, i], wf)}  # fc{layer}.weight[{unit}, {i}]")
    lines.append(f"b = {_leaf(bias[unit], bf)}  # fc{layer}.bias[{unit}]")
    z, a = f"z{layer}_{unit}", f"a{layer}_{unit}"
    lines.append(f"{z} = " + " + ".join(f"{w}*{x}" for w, x in zip(weights, inputs, strict=True)) + " + b")
    pooled = layer == L and _pooled(spec)
    if not pooled:
        lines.append(f"{a} = {_apply(spec.act(layer), z)}")
    # the other units of this layer, held fixed
    held = p.zs[layer][row] if pooled else p.acts[layer][row]
    for k in range(spec.sizes[layer]):
        if k != unit:
            lines.append(f"{'z' if pooled else 'a'}{layer}_{k} = const({full(float(held[k]))})")
    # the layers after it, weights as numbers
    for m in range(layer + 1, L + 1):
        Wm, bm = params[f"fc{m}.weight"], params[f"fc{m}.bias"]
        ins = [f"a{m - 1}_{i}" for i in range(spec.sizes[m - 1])]
        last_pooled = m == L and _pooled(spec)
        for k in range(spec.sizes[m]):
            terms = " ".join(_term(float(Wm[k, i]), x, i == 0) for i, x in enumerate(ins))
            lines.append(f"z{m}_{k} = {terms} {_signed(float(bm[k]))}")
            if not last_pooled:
                lines.append(f"a{m}_{k} = {_apply(spec.act(m), f'z{m}_{k}')}")
    outs = [f"a{L}_{k}" for k in range(spec.sizes[L])]
    if _pooled(spec):
        lines.append(f"{', '.join(outs)} = softmax({', '.join(f'z{L}_{k}' for k in range(spec.sizes[L]))})")
    if spec.loss == "cross_entropy_logits" or (spec.loss == "cross_entropy" and not _pooled(spec)):
        # nn.CrossEntropyLoss: the a's are read as logits and the loss takes their softmax (again, after a
        # softmax output: torch's double softmax)
        probs = [f"p_{k}" for k in range(spec.sizes[L])]
        lines.append(f"{', '.join(probs)} = softmax({', '.join(outs)})")
        outs = probs
    elif spec.loss == "bce_with_logits":  # nn.BCEWithLogitsLoss: σ inside the loss
        probs = [f"q_{k}" for k in range(spec.sizes[L])]
        lines.extend(f"{q} = sigmoid({o})" for q, o in zip(probs, outs, strict=True))
        outs = probs
    lines.append(f"loss = {_loss(spec, outs, spec.y[row], n)}")
    return Expansion("\n".join(lines) + "\n", layer, unit, row, z, a, weights, "b")


def _pooled(spec: Spec) -> bool:
    """The output units are computed together (a softmax output)."""
    return spec.output == "softmax"


def _leaf(v: float, frozen: bool) -> str:
    return f"const({full(float(v))})" if frozen else full(float(v))


def _apply(act: str, z: str) -> str:
    return z if act == "identity" else f"{act}({z})"


def _term(w: float, x: str, first: bool) -> str:
    if first:
        return f"{full(w)}*{x}"
    return f"- {full(-w)}*{x}" if w < 0 else f"+ {full(w)}*{x}"


def _signed(v: float) -> str:
    return f"- {full(-v)}" if v < 0 else f"+ {full(v)}"


def _loss(spec: Spec, outs: list[str], y: np.ndarray, n: int) -> str:
    k = len(outs)
    ys = [full(float(v)) for v in y]
    if spec.loss == "mse":
        return "(" + " + ".join(f"square({o} - {t})" for o, t in zip(outs, ys, strict=True)) + f") / {n * k}"
    if spec.loss == "half_sse":
        return "0.5*(" + " + ".join(f"square({o} - {t})" for o, t in zip(outs, ys, strict=True)) + f") / {n}"
    if spec.loss in ("bce", "bce_with_logits"):
        terms = []
        for o, v in zip(outs, y, strict=True):
            if v != 0:
                terms.append(f"log({o})" if v == 1 else f"{full(float(v))}*log({o})")
            if v != 1:
                terms.append(f"log(1 - {o})" if v == 0 else f"{full(1.0 - float(v))}*log(1 - {o})")
        return "-(" + " + ".join(terms) + f") / {n * k}"
    terms = [f"log({o})" if v == 1 else f"{full(float(v))}*log({o})"
             for o, v in zip(outs, y, strict=True) if v != 0]
    return "-(" + (" + ".join(terms) or "0") + f") / {n}"
