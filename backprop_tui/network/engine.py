"""The numpy float64 engine: forward, loss, backward and the SGD update of an MLP, as Step records.

Batch layout is rows × features, as torch's: z = a·Wᵀ + b for the whole batch (for one row, z = W·a + b).
A step's numbers are in its formula; vectors and matrices also go in NetTrace.arrays, parallel to the
steps (Step.value holds the float only for the scalar loss).

The elementwise math is in activations.py and losses.py, the fast training loop in training.py;
their public names stay importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from backprop_tui.engine.step import Step
from backprop_tui.network import formulas as F
from backprop_tui.network.activations import activate, derivative, sigmoid, softmax, softmax_jacobian
from backprop_tui.network.clamps import bce_grad_note, bce_loss_note, log_of_zero, log_of_zero_note
from backprop_tui.network.formulas import jac_text, mat
from backprop_tui.network.losses import ce_shortcut, loss_grad, loss_value
from backprop_tui.network.spec import Spec
from backprop_tui.network.training import Epoch, train
from backprop_tui.network.verdict import arrays_agree, with_torch  # re-exported (__all__)
from backprop_tui.numbers import short

__all__ = ["Epoch", "Key", "NetTrace", "Pass", "activate", "arrays_agree", "ce_shortcut", "derivative", "forward",
           "full_pass", "jac_text", "loss_grad", "loss_value", "mat", "sigmoid", "softmax", "softmax_jacobian",
           "trace", "train", "with_torch"]


# -- one pass ---------------------------------------------------------------------------------------
@dataclass
class Pass:
    """One forward and backward pass on the batch: every intermediate, by layer 1..L (index 0: the input)."""

    zs: list[np.ndarray]
    acts: list[np.ndarray]
    loss: float
    grad_out: np.ndarray  # ∂L/∂a_L
    deltas: list[np.ndarray | None]  # ∂L/∂z_l
    grad_acts: list[np.ndarray | None]  # ∂L/∂a_l
    grads: dict[str, np.ndarray]  # every parameter's gradient (frozen ones too; the update skips them)


def forward(spec: Spec, params: dict[str, np.ndarray], x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    zs: list[np.ndarray] = [x]
    acts: list[np.ndarray] = [x]
    for layer in range(1, spec.layers + 1):
        z = acts[-1] @ params[f"fc{layer}.weight"].T + params[f"fc{layer}.bias"]
        zs.append(z)
        acts.append(activate(spec.act(layer), z))
    return zs, acts


def full_pass(spec: Spec, params: dict[str, np.ndarray], x: np.ndarray | None = None,
              y: np.ndarray | None = None) -> Pass:
    x = spec.x if x is None else x
    y = spec.y if y is None else y
    zs, acts = forward(spec, params, x)
    L = spec.layers
    a_out = acts[L]
    loss = loss_value(spec.loss, spec.output, a_out, y)
    g = loss_grad(spec.loss, spec.output, a_out, y)
    deltas: list[np.ndarray | None] = [None] * (L + 1)
    grad_acts: list[np.ndarray | None] = [None] * (L + 1)
    grad_acts[L] = g
    if spec.output == "softmax":
        with np.errstate(all="ignore"):
            deltas[L] = ce_shortcut(a_out, y) if spec.loss == "cross_entropy" and not log_of_zero(a_out, y) \
                else a_out * (g - np.sum(g * a_out, axis=1, keepdims=True))
    else:
        deltas[L] = g * derivative(spec.output, zs[L], a_out)
    grads: dict[str, np.ndarray] = {}
    for layer in range(L, 0, -1):
        d = deltas[layer]
        assert d is not None
        grads[f"fc{layer}.weight"] = d.T @ acts[layer - 1]
        grads[f"fc{layer}.bias"] = d.sum(axis=0)
        if layer > 1:
            ga = d @ params[f"fc{layer}.weight"]
            grad_acts[layer - 1] = ga
            deltas[layer - 1] = ga * derivative(spec.act(layer - 1), zs[layer - 1], acts[layer - 1])
    return Pass(zs, acts, loss, g, deltas, grad_acts, grads)


def sgd(spec: Spec, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """W ← W − lr·dW for every parameter that learns; frozen ones are kept as they are."""
    return {name: p if name in spec.freeze else p - spec.lr * grads[name] for name, p in params.items()}


# -- the steps --------------------------------------------------------------------------------------
Key = tuple[str, ...]


@dataclass(frozen=True)
class NetTrace:
    """One forward, backward and update on the whole batch, as steps; torch's figures once checked."""

    spec: Spec
    steps: tuple[Step, ...]
    arrays: tuple[np.ndarray | None, ...]  # each step's numbers; None: no gradient
    keys: tuple[Key, ...]  # which torch figure each step is compared with
    loss: float
    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray | None]  # None: frozen (requires_grad=False)
    updated: dict[str, np.ndarray]
    torch_arrays: tuple[np.ndarray | None, ...] = ()
    fd_arrays: tuple[np.ndarray | None, ...] = ()  # central differences of the loss, for parameter gradients
    checked: bool = False
    max_error: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.checked and all(s.ok for s in self.steps if s.ok is not None)


def tracked(spec: Spec) -> list[bool]:
    """tracked[l]: whether torch tracks z_l (some parameter in layers 1..l learns); index 0: the input."""
    out = [False]
    for layer in range(1, spec.layers + 1):
        learns = any(f"fc{layer}.{k}" not in spec.freeze for k in ("weight", "bias"))
        out.append(out[-1] or learns)
    return out


def trace(spec: Spec, params: dict[str, np.ndarray] | None = None) -> NetTrace:
    params = {k: np.asarray(v, dtype=np.float64) for k, v in (params or spec.params).items()}
    p = full_pass(spec, params)
    b = _Builder()
    L = spec.layers
    track = tracked(spec)
    for layer in range(1, L + 1):
        prev = "x" if layer == 1 else f"a{layer - 1}"
        W, bias = params[f"fc{layer}.weight"], params[f"fc{layer}.bias"]
        z, a = p.zs[layer], p.acts[layer]
        numbers = f" = {mat(p.acts[layer - 1])}·{mat(W.T)} + {mat(bias)}" if F.small(p.acts[layer - 1], W) else ""
        b.add("forward", f"z{layer}", f"z{layer} = {prev}·W{layer}ᵀ + b{layer}  (per row: z = W·a + b)"
              f"{numbers} = {mat(z)}", z, ("z", str(layer)))
        f = spec.act(layer)
        numbers = f" = {f}({mat(z)})" if F.small(z) else ""
        b.add("forward", f"a{layer}", f"a{layer} = {f}(z{layer}){numbers} = {mat(a)}", a, ("a", str(layer)))
    y = spec.y
    clamp_loss = clamp_grad = ""
    if spec.loss == "bce":
        clamp_loss = bce_loss_note(p.acts[L], y)
        clamp_grad = bce_grad_note(p.acts[L], y, p.acts[L].size)
    b.add("loss", "loss", f"L = {F.loss_formula(spec.loss, spec.output, f'a{L}')} = "
          f"{F.loss_numbers(spec.loss, spec.output, p.acts[L], y)} = {short(p.loss)}{clamp_loss}", p.loss, ("loss",))
    learns = track[L]
    none = "none: nothing before it learns (every parameter up to here is frozen)"
    # the output layer
    aL = p.acts[L]
    g_text = F.grad_out_formula(spec.loss, spec.output, f"a{L}")
    g_numbers = F.grad_out_numbers(spec.loss, spec.output, aL, y)
    g_text += f" = {g_numbers}" if g_numbers else ""
    b.add("backward", f"a{L}", f"∂L/∂a{L} = {g_text} = {mat(p.grad_out)}{clamp_grad}" if learns else
          f"grad(a{L}): {none}",
          p.grad_out if learns else None, ("grad_a", str(L)))
    if spec.output == "softmax":
        J = softmax_jacobian(aL)
        b.add("local", f"a{L}", f"∂a{L}/∂z{L} = J = diag(s) − s·sᵀ, s = a{L}; {jac_text(J)}", J,
              ("jac", str(L)), wrt=f"z{L}")
        via_j = np.einsum("nij,nj->ni", J, p.grad_out)
        b.add("backward", f"z{L}", f"∂L/∂z{L} = J·∂L/∂a{L} (per row){_subst(J[0], p.grad_out[0], '·')} = "
              f"{mat(via_j)}" if learns else
              f"grad(z{L}): {none}", via_j if learns else None, ("grad_z", str(L)))
        if spec.loss == "cross_entropy":
            short_cut = ce_shortcut(aL, y)
            cut = f" = ({mat(aL)} − {mat(y)})/{len(y)}" if F.small(aL) else ""
            text = f"{mat(short_cut)}; the same numbers as J·∂L/∂a{L}"
            if log_of_zero(aL, y):  # torch's log(0): its chain, not the shortcut's limit
                text, short_cut = f"{mat(via_j)}{log_of_zero_note(mat(short_cut))}", via_j
            b.add("backward", f"z{L}", f"∂L/∂z{L} = (s − y)/N  (softmax + cross-entropy shortcut){cut} = {text}"
                  if learns else f"grad(z{L}): {none}", short_cut if learns else None, ("grad_z", str(L)))
    else:
        _elementwise_back(b, spec, p, L, learns, none)
    for layer in range(L, 0, -1):
        prev = "x" if layer == 1 else f"a{layer - 1}"
        for kind in ("weight", "bias"):
            name = f"fc{layer}.{kind}"
            g = p.grads[name]
            if name in spec.freeze:
                b.add("backward", name, f"grad({name}): none, frozen (requires_grad=False)", None, ("grad", name))
            elif kind == "weight":
                d = p.deltas[layer]
                b.add("backward", name, f"∂L/∂W{layer} = δ{layer}ᵀ·{prev}  (δ{layer} = ∂L/∂z{layer})"
                      f"{_subst(d, p.acts[layer - 1], 'ᵀ·')} = {mat(g)}", g, ("grad", name))
            else:
                d = p.deltas[layer]
                rows = f" = Σ{mat(d)}" if F.small(d) and len(d) > 1 else ""
                b.add("backward", name, f"∂L/∂b{layer} = Σ over rows of δ{layer}{rows} = {mat(g)}", g,
                      ("grad", name))
        if layer > 1:
            below = layer - 1
            ok_below = track[below]
            ga = p.grad_acts[below]
            b.add("backward", f"a{below}", f"∂L/∂a{below} = δ{layer}·W{layer}  (per row: Wᵀ·δ)"
                  f"{_subst(p.deltas[layer], params[f'fc{layer}.weight'], '·')} = {mat(ga)}"
                  if ok_below else f"grad(a{below}): {none}", ga if ok_below else None, ("grad_a", str(below)))
            _elementwise_back(b, spec, p, below, ok_below, none)
    updated = sgd(spec, params, p.grads)
    for name in spec.param_names:
        if name in spec.freeze:
            b.add("update", name, f"{name}: frozen, unchanged = {mat(params[name])}", params[name],
                  ("updated", name))
        else:
            b.add("update", name, f"{name} ← {name} − lr·grad = {mat(params[name])} − {short(spec.lr)}·"
                  f"{mat(p.grads[name])} = {mat(updated[name])}", updated[name], ("updated", name))
    grads: dict[str, np.ndarray | None] = {n: None if n in spec.freeze else p.grads[n] for n in spec.param_names}
    fd = fd_grads(spec, params)
    fd_arrays = tuple(fd.get(k[1]) if k[0] == "grad" else None for k in b.keys)
    steps = tuple(replace(s, fd_value=float(a)) if a is not None and a.ndim == 0 else s
                  for s, a in zip(b.steps, fd_arrays, strict=True))
    return NetTrace(spec, steps, tuple(b.arrays), tuple(b.keys), p.loss, params, grads, updated,
                    fd_arrays=fd_arrays)


FD_WORK = 10_000_000  # parameters × rows × width at most for finite differences (an advisory third opinion)
FD_PARAMS = 1_000  # and at most this many parameters (two forward passes each)


def fd_grads(spec: Spec, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """∂L/∂p by central differences, h = 1e-6·max(1, |p|), for the parameters that learn (small networks)."""
    width = max(spec.sizes)
    if spec.param_count > FD_PARAMS or spec.param_count * len(spec.x) * width > FD_WORK:
        return {}
    out: dict[str, np.ndarray] = {}
    for name in spec.param_names:
        if name in spec.freeze:
            continue
        p = params[name]
        g = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            h = 1e-6 * max(1.0, abs(float(p[idx])))
            values = []
            for sign in (1.0, -1.0):
                moved = p.copy()
                moved[idx] += sign * h
                _, acts = forward(spec, {**params, name: moved}, spec.x)
                values.append(loss_value(spec.loss, spec.output, acts[-1], spec.y))
            g[idx] = (values[0] - values[1]) / (2 * h)
        out[name] = g
    return out


def _elementwise_back(b: _Builder, spec: Spec, p: Pass, layer: int, learns: bool, none: str) -> None:
    f = spec.act(layer)
    fp = derivative(f, p.zs[layer], p.acts[layer])
    numbers = F.fprime_numbers(f, p.zs[layer], p.acts[layer])
    b.add("local", f"a{layer}", f"∂a{layer}/∂z{layer} = {f}'(z{layer}) = {F.fprime_rule(f)}"
          f"{' = ' + numbers if numbers else ''} = {mat(fp)}", fp, ("fprime", str(layer)), wrt=f"z{layer}")
    d = p.deltas[layer]
    ga = p.grad_acts[layer]
    both = f" = {mat(ga)} ⊙ {mat(fp)}" if ga is not None and F.small(fp) else ""
    b.add("backward", f"z{layer}", f"δ{layer} = ∂L/∂z{layer} = ∂L/∂a{layer} ⊙ {f}'(z{layer}){both} = {mat(d)}"
          if learns
          else f"grad(z{layer}): {none}", d if learns else None, ("grad_z", str(layer)))


def _subst(left: np.ndarray | None, right: np.ndarray, op: str) -> str:
    """` = [left]op[right]` when both are small enough to write out, else ''."""
    if left is None or not F.small(left, right):
        return ""
    return f" = {mat(left)}{op}{mat(right)}"


class _Builder:
    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.arrays: list[np.ndarray | None] = []
        self.keys: list[Key] = []

    def add(self, phase: Any, target: str, formula: str, value: Any, key: Key, wrt: str | None = None) -> None:
        scalar = isinstance(value, float)
        self.steps.append(Step(len(self.steps), phase, target, formula, value if scalar else None, wrt=wrt))
        self.arrays.append(None if value is None else np.asarray(value, dtype=np.float64))
        self.keys.append(key)
