"""Full-batch SGD training of a network spec: the fast loop behind `train`, the screen's t and the checker.

Kept apart from engine.py, which builds one pass as teaching steps: this loop keeps only the losses and
the parameters, updating them in place, layer by layer, with the same math (activations.py, losses.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_tui.network.activations import activate, derivative
from backprop_tui.network.clamps import log_of_zero
from backprop_tui.network.losses import ce_shortcut, loss_grad, loss_value
from backprop_tui.network.spec import Spec


@dataclass
class Epoch:
    """What one epoch did: the loss before its update, and the parameters it started from."""

    epoch: int
    loss: float
    start: dict[str, np.ndarray] | None  # a copy, only for the epochs a checker wants


def train(spec: Spec, epochs: int, params: dict[str, np.ndarray] | None = None,
          keep: Any = None, on_epoch: Any = None) -> tuple[list[float], dict[str, np.ndarray]]:
    """Full-batch SGD for `epochs` epochs: the losses (one per epoch, before its update) and the last params.

    `on_epoch(Epoch, params)` runs after every epoch's update (params: the live arrays, read them at once);
    `keep(epoch) -> bool` says for which epochs Epoch.start holds a copy of the parameters the epoch
    started from (the torch checker's input). `on_epoch` may return False to stop early (a cancelled run).
    """
    work = {k: np.array(v, dtype=np.float64, copy=True) for k, v in (params or spec.params).items()}
    x, y = spec.x, spec.y
    L, lr = spec.layers, spec.lr
    ws = [work[f"fc{i}.weight"] for i in range(1, L + 1)]
    bs = [work[f"fc{i}.bias"] for i in range(1, L + 1)]
    learn_w = [f"fc{i}.weight" not in spec.freeze for i in range(1, L + 1)]
    learn_b = [f"fc{i}.bias" not in spec.freeze for i in range(1, L + 1)]
    acts_names = [spec.act(i) for i in range(1, L + 1)]
    shortcut = spec.output in ("softmax", "identity") and spec.loss == "cross_entropy"
    losses: list[float] = []
    for epoch in range(1, epochs + 1):
        wanted = keep is not None and keep(epoch)
        start = {k: v.copy() for k, v in work.items()} if wanted else None
        # forward
        a = x
        zs, acts = [], [x]
        for i in range(L):
            z = a @ ws[i].T
            z += bs[i]
            a = activate(acts_names[i], z)
            zs.append(z)
            acts.append(a)
        if shortcut and spec.output == "identity":  # the post's case: log-softmax of the logits
            z_out = zs[-1]
            top = z_out.max(axis=1, keepdims=True)
            e = np.exp(z_out - top)
            tot = e.sum(axis=1, keepdims=True)
            loss = float(-np.sum(y * (z_out - top - np.log(tot))) / len(x))
            delta = ce_shortcut(e / tot, y)
        elif shortcut and not log_of_zero(a, y):  # softmax output: the loss reads log(s), as torch's does
            loss = loss_value(spec.loss, spec.output, a, y)
            delta = ce_shortcut(a, y)
        else:
            loss = loss_value(spec.loss, spec.output, a, y)
            g = loss_grad(spec.loss, spec.output, a, y)
            if spec.output == "softmax":
                with np.errstate(all="ignore"):
                    delta = a * (g - np.sum(g * a, axis=1, keepdims=True))
            else:
                delta = g * derivative(acts_names[-1], zs[-1], a)
        losses.append(loss)
        # backward and update, last layer first (each layer's W is read before it changes)
        for i in range(L - 1, -1, -1):
            dw = delta.T @ acts[i]
            db = delta.sum(axis=0)
            if i > 0:
                ga = delta @ ws[i]
                delta = ga * derivative(acts_names[i - 1], zs[i - 1], acts[i])
            if learn_w[i]:
                ws[i] -= lr * dw
            if learn_b[i]:
                bs[i] -= lr * db
        if on_epoch is not None and on_epoch(Epoch(epoch, loss, start), work) is False:
            break
    return losses, work
