"""Warnings that explain, for networks: saturated and dead units, vanishing or exploding gradients across
layers, and a learning rate that makes the loss rise. numpy only (no torch, no textual).

The front ends call:
- `trace_warnings(tr)` for one NetTrace (the state it starts from, and its one SGD update);
- `training_warnings(res)` for a finished run (report.TrainResult): divergence, then the trained state;
- `divergence(losses, final_loss, lr)` on a live list of losses.

Thresholds (the saturation threshold and the dead-relu rule are engine.warnings'):

- VANISHING_RATIO = 1e-3 and EXPLODING_RATIO = 1e3, on ‖δ₁‖ / ‖δ_L‖: the Frobenius norm over the batch of
  δ_l = ∂L/∂z_l at the first layer over the same at the last. Below 10⁻³ the first layer's updates are over a
  thousand times smaller than the last layer's at the same learning rate. Vanishing and exploding gradients
  are described by this ratio of norms across layers in Bengio, Simard & Frasconi, "Learning long-term
  dependencies with gradient descent is difficult" (IEEE TNN 1994), Glorot & Bengio (AISTATS 2010, §4.2 and
  Fig. 7, back-propagated gradients per layer) and Pascanu, Mikolov & Bengio, "On the difficulty of training
  recurrent neural networks" (ICML 2013, §2); the factor of a thousand is this project's rule of thumb.
  The layer-to-layer ratios ‖δ_l‖ / ‖δ_{l+1}‖ are in the figures.
- Divergence: the loss becomes inf or NaN; or it ends above where it started; or it ends above
  DIVERGENCE_REBOUND (10) times its lowest value. For one update (trace): the loss after it is above the loss
  before it. Full-batch gradient descent with a small enough learning rate never raises the loss of a smooth
  loss (the descent lemma, e.g. Nesterov, "Introductory Lectures on Convex Optimization", 2004, §1.2.3), so a
  rise says the step overshoots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from backprop_tui.engine.warnings import (
    LearningWarning,
    finite,
    local_slope,
    saturation_sentence,
    saturation_threshold,
)
from backprop_tui.network.engine import NetTrace, derivative, forward, full_pass, loss_value
from backprop_tui.network.spec import Spec
from backprop_tui.numbers import agree, short

if TYPE_CHECKING:
    from backprop_tui.network.report import TrainResult

VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3
DIVERGENCE_REBOUND = 10.0
UNITS_NAMED = 8


def trace_warnings(tr: NetTrace) -> tuple[LearningWarning, ...]:
    """The warnings of one forward, backward and update (steps: indices into tr.steps)."""
    steps: dict[tuple[str, ...], int] = {}
    for i, key in enumerate(tr.keys):
        steps.setdefault(key, i)
    found = state_warnings(tr.spec, tr.params, steps)
    found.extend(_update_rises(tr, steps))
    return tuple(found)


def training_warnings(res: TrainResult) -> tuple[LearningWarning, ...]:
    """Divergence over the run; if it did not diverge, the warnings of the trained parameters."""
    found = divergence(res.losses, res.final_loss, res.spec.lr)
    if found or not all(np.isfinite(p).all() for p in res.params.values()):
        return found
    return tuple(state_warnings(res.spec, res.params, {}, when=f" after {res.epochs} epochs"))


def state_warnings(spec: Spec, params: dict[str, np.ndarray], steps: dict[tuple[str, ...], int],
                   when: str = "") -> list[LearningWarning]:
    """Saturated sigmoid/tanh units, dead relu units and vanishing/exploding δ, at these parameters."""
    with np.errstate(all="ignore"):
        p = full_pass(spec, params)
    out: list[LearningWarning] = []
    rows = len(spec.x)
    for layer in range(1, spec.layers + 1):
        fn = spec.act(layer)
        at = tuple(steps[k] for k in (("a", str(layer)), ("fprime", str(layer))) if k in steps)
        z = p.zs[layer]
        if not np.isfinite(z).all():
            continue
        if fn in ("sigmoid", "tanh") and not (layer == spec.layers and spec.loss == "bce"):
            # (bce's ∂L/∂a = (a − y)/(a(1 − a)) cancels the output sigmoid's slope: no block there)
            w = _saturated(fn, layer, z, derivative(fn, z, p.acts[layer]), rows, when, at)
            if w is not None:
                out.append(w)
        elif fn == "relu":
            dead = np.flatnonzero(np.all(z <= 0, axis=0))
            if dead.size:
                grad_step = steps.get(("grad", f"fc{layer}.weight"))
                out.append(_dead(layer, dead, z, rows, when, at + (() if grad_step is None else (grad_step,))))
    across = _across_layers(spec, p.deltas, steps, when)
    if across is not None:
        out.append(across)
    return out


def _units(units: np.ndarray) -> str:
    shown = ", ".join(str(int(u)) for u in units[:UNITS_NAMED])
    return shown + (f", … ({len(units)} in all)" if len(units) > UNITS_NAMED else "")


def _saturated(fn: str, layer: int, z: np.ndarray, slope: np.ndarray, rows: int, when: str,
               at: tuple[int, ...]) -> LearningWarning | None:
    threshold = saturation_threshold(fn)
    mean = slope.mean(axis=0)
    units = np.flatnonzero(mean < threshold)
    if not units.size:
        return None
    first = int(units[0])
    plural = len(units) > 1
    where = f"layer {layer} (a{layer} = {fn}(z{layer})), unit{'s' if plural else ''} {_units(units)}{when}"
    if rows == 1:
        zf = float(z[0, first])
        af = float(np.tanh(zf)) if fn == "tanh" else float(1.0 / (1.0 + np.exp(-zf)))
        detail = saturation_sentence(fn, zf, af, local_slope(fn, af))
    else:
        detail = (f"its slope averages {short(float(mean[first]))} over the {rows} rows (z from "
                  f"{short(float(z[:, first].min()))} to {short(float(z[:, first].max()))}), below "
                  f"{short(threshold)}, a tenth of {fn}'s steepest slope")
    before = f"fc{layer}.weight and fc{layer}.bias" + (" and the layers before" if layer > 1 else "")
    why = (f"Saturated: unit {first}: {detail}. Every gradient through {'these units' if plural else 'it'} is "
           f"multiplied by that slope, so {before} barely learn there.")
    advice = "Try smaller starting weights, inputs scaled to about [−1, 1], or relu in the hidden layers."
    summary = (f"mean slope {short(float(mean[first]))} < {short(threshold)} (unit {first}): gradients shrink; try "
               "smaller weights or inputs scaled to [−1, 1]")
    figures = {"layer": layer, "units": units.tolist(), "mean_derivative": [float(mean[u]) for u in units],
               "threshold": threshold, "rows": rows}
    return LearningWarning("saturation", where, why, advice, summary, figures, at)


def _dead(layer: int, dead: np.ndarray, z: np.ndarray, rows: int, when: str, at: tuple[int, ...],
          ) -> LearningWarning:
    plural = len(dead) > 1
    top = [float(z[:, u].max()) for u in dead]
    every = "the one row" if rows == 1 else f"every one of the {rows} rows"
    why = (f"The input z of unit{'s' if plural else ''} {_units(dead)} is ≤ 0 on {every} (largest "
           f"{short(top[0])}{' for unit ' + str(int(dead[0])) if plural else ''}), so relu' = 0 everywhere: "
           f"{'their' if plural else 'its'} rows of fc{layer}.weight and fc{layer}.bias get zero gradient and never "
           f"change, and nothing before reaches the loss through {'them' if plural else 'it'}.")
    advice = ("Try a smaller learning rate (one big step can push a bias far below 0), a small positive starting "
              "bias, or another seed.")
    summary = (f"z ≤ 0 on {every}: relu' = 0, the weights into {'them' if plural else 'it'} never change; try a "
               "smaller lr or a positive bias")
    where = f"layer {layer} (a{layer} = relu(z{layer})), unit{'s' if plural else ''} {_units(dead)}{when}"
    figures = {"layer": layer, "units": dead.tolist(), "max_input": top, "rows": rows}
    return LearningWarning("dead_relu", where, why, advice, summary, figures, at)


def _across_layers(spec: Spec, deltas: list[np.ndarray | None], steps: dict[tuple[str, ...], int], when: str,
                   ) -> LearningWarning | None:
    L = spec.layers
    if L < 2:
        return None
    norms = [float(np.linalg.norm(d)) for d in deltas[1:] if d is not None]
    if len(norms) != L or not all(np.isfinite(norms)) or norms[-1] == 0.0:
        return None
    ratio = norms[0] / norms[-1]
    if VANISHING_RATIO <= ratio <= EXPLODING_RATIO:
        return None
    steps_to = [norms[i] / norms[i + 1] if norms[i + 1] else None for i in range(L - 1)]
    by_layer = ", ".join(f"‖δ{i + 1}‖/‖δ{i + 2}‖ = {short(r)}" for i, r in enumerate(steps_to))
    at = tuple(steps[k] for k in (("grad_z", str(L)), ("grad_z", "1")) if k in steps)
    figures = {"norms": norms, "layer_ratios": steps_to, "ratio": ratio,
               "threshold": VANISHING_RATIO if ratio < VANISHING_RATIO else EXPLODING_RATIO}
    where = f"δ from layer {L} back to layer 1{when}"
    if ratio < VANISHING_RATIO:
        times = f"{short(1 / ratio, 3)} times smaller" if ratio else "zero: no gradient reaches it at all"
        why = (f"The gradient shrinks from ‖δ{L}‖ = {short(norms[-1])} to ‖δ1‖ = {short(norms[0])}: layer 1's is "
                   f"{times} (ratio {short(ratio, 3)}, below 10⁻³), so at one learning "
                   f"rate the first layers barely move while the last learn. Layer to layer: {by_layer}; each step "
                   "back multiplies by Wᵀ and by f'(z) (at most 0.25 for a sigmoid).")
        advice = ("Try relu or tanh in the hidden layers, fewer layers, or starting weights scaled to keep ‖δ‖ "
                  "steady (Glorot's initialisation).")
        summary = f"‖δ1‖/‖δ{L}‖ = {short(ratio, 3)} < 10⁻³: the first layers barely learn; try relu or fewer layers"
        return LearningWarning("vanishing", where, why, advice, summary, figures, at)
    why = (f"The gradient grows from ‖δ{L}‖ = {short(norms[-1])} to ‖δ1‖ = {short(norms[0])}: layer 1's is "
               f"{short(ratio, 3)} times larger (above 10³), so one learning rate is too big for the first layers "
               f"or too small for the last. Layer to layer: {by_layer}; each step back multiplies by Wᵀ, so large "
               "weights compound.")
    advice = "Try smaller starting weights, fewer layers, or a smaller learning rate."
    summary = (f"‖δ1‖/‖δ{L}‖ = {short(ratio, 3)} > 10³: the first layers' steps are far too big; try smaller "
               "weights")
    return LearningWarning("exploding", where, why, advice, summary, figures, at)


# -- divergence ---------------------------------------------------------------------------------------
def _update_rises(tr: NetTrace, steps: dict[tuple[str, ...], int]) -> list[LearningWarning]:
    """One SGD update that raises the loss (or makes it inf or NaN)."""
    spec = tr.spec
    with np.errstate(all="ignore"):
        _, acts = forward(spec, tr.updated, spec.x)
        after = loss_value(spec.loss, spec.output, acts[-1], spec.y)
    before = tr.loss
    if not np.isfinite(before) or (np.isfinite(after) and (after <= before or agree(after, before))):
        return []
    first_update = min((i for k, i in steps.items() if k[0] == "updated"), default=None)
    what = f"makes the loss {after}" if not np.isfinite(after) else \
        f"makes the loss rise from {short(before)} to {short(after)}"
    why = f"With lr {short(spec.lr)} one SGD step {what}: the step overshoots the minimum along the gradient."
    summary = f"lr {short(spec.lr)}: one step {what}; try lr {short(spec.lr / 10)}"
    figures = {"lr": spec.lr, "loss_before": before, "loss_after": finite(after), "step": first_update}
    at = () if first_update is None else (first_update,)
    return [LearningWarning("divergence", "the update", why, _smaller(spec.lr), summary, figures, at)]


def _smaller(lr: float) -> str:
    return f"Try a smaller learning rate: lr {short(lr / 10)} (a tenth), and smaller again if the loss still rises."


def divergence(losses: list[float], final_loss: float, lr: float) -> tuple[LearningWarning, ...]:
    """The loss of a run diverged: inf/NaN, or it ended above its start, or above 10× its lowest.

    `losses[e - 1]` is the loss at the start of epoch e (before its update); `final_loss` is after the last
    update. Empty when the run did not diverge."""
    if not losses:
        return ()
    series = [*losses, final_loss]
    bad = next((i for i, v in enumerate(series) if not np.isfinite(v)), None)
    finite_part = series if bad is None else series[:bad]
    lowest = min(finite_part) if finite_part else None
    rebound = lowest is not None and lowest > 0 and series[-1] > DIVERGENCE_REBOUND * lowest
    if bad is None and not (final_loss > losses[0] or rebound):
        return ()
    rise = next((i for i in range(1, len(series)) if series[i] > series[i - 1]), None)

    def epoch(i: int) -> str:  # series[i]: the loss before epoch i + 1's update, or after the last one
        return f"epoch {i + 1}" if i < len(losses) else f"the end (after epoch {len(losses)})"

    parts = []
    if rise is not None:
        parts.append(f"it first rose at {epoch(rise)} ({short(series[rise - 1])} → {short(series[rise])})")
    if bad is not None:
        parts.append(f"it became {series[bad]} at {epoch(bad)}, when the weights overflowed a float")
    else:
        parts.append(f"it ended at {short(final_loss)}, " + ("above where it started" if final_loss > losses[0]
                     else f"over {short(DIVERGENCE_REBOUND)} times its lowest") + f" ({short(losses[0])} at epoch 1,"
                     f" lowest {short(lowest)})")
    why = (f"With lr {short(lr)} the loss diverges: {'; '.join(parts)}. Each step overshoots the minimum along the "
           "gradient and lands higher up.")
    summary = f"lr {short(lr)}: {parts[-1] if bad is not None else parts[0]}; try lr {short(lr / 10)}"
    first = rise if rise is not None else bad
    where = epoch(first) if first is not None else "the run"
    figures = {"lr": lr, "first_loss": finite(losses[0]), "final_loss": finite(final_loss),
               "lowest_loss": lowest, "first_rise_epoch": None if rise is None else rise + 1,
               "nonfinite_epoch": None if bad is None else bad + 1}
    return (LearningWarning("divergence", where, why, _smaller(lr), summary, figures),)
