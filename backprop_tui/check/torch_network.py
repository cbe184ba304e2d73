"""torch as the referee of network mode: the same MLP as nn.Linear layers in float64, autograd, torch SGD.

`network_figures` gives torch's figure for every step key of engine.trace; `check_trace` fills them in;
`check_epoch` checks one training epoch from the engine's own weights; `torch_loop` is a plain float64
torch training loop, the thing `train` must match. The referee's kinds network.spec, network.trace and
network.epoch (at the end) serve them to the front ends (network.remote).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from backprop_tui.check.kinds import Session, kind
from backprop_tui.network.engine import Key, NetTrace, with_torch
from backprop_tui.network.spec import Spec

DTYPE = torch.float64


class MLP(nn.Module):
    """The post's module, generalised: fc1, fc2, ... as nn.Linear, float64."""

    def __init__(self, sizes: tuple[int, ...]) -> None:
        super().__init__()
        self.names = [f"fc{i}" for i in range(1, len(sizes))]
        for i, name in enumerate(self.names, 1):
            setattr(self, name, nn.Linear(sizes[i - 1], sizes[i], dtype=DTYPE))


def build(spec: Spec, params: dict[str, np.ndarray]) -> MLP:
    model = MLP(spec.sizes)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(np.asarray(params[name], dtype=np.float64)))
    for name, p in model.named_parameters():
        p.requires_grad_(name not in spec.freeze)
    return model


def activate(name: str, z: torch.Tensor) -> torch.Tensor:
    if name == "relu":
        return torch.relu(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "softmax":
        return torch.softmax(z, dim=1)
    return z


def loss_of(spec: Spec, a: torch.Tensor, y: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    n = a.shape[0]
    if spec.loss == "mse":
        return F.mse_loss(a, y)
    if spec.loss == "half_sse":
        return 0.5 * ((a - y) ** 2).sum() / n
    if spec.loss == "bce":
        return F.binary_cross_entropy(a, y)
    if spec.loss == "bce_with_logits":
        return F.binary_cross_entropy_with_logits(a, y)
    if spec.output == "identity" or spec.loss == "cross_entropy_logits":  # nn.CrossEntropyLoss of its input
        return F.cross_entropy(a, labels if labels is not None else y)
    if labels is not None:
        return F.nll_loss(torch.log(a), labels)
    return -torch.xlogy(y, a).sum() / n  # torch's 0·log(0) = 0 for probability targets


def _tensors(spec: Spec) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    x = torch.from_numpy(np.ascontiguousarray(spec.x, dtype=np.float64))
    y = torch.from_numpy(np.ascontiguousarray(spec.y, dtype=np.float64))
    labels = None if spec.labels is None else torch.from_numpy(np.asarray(spec.labels, dtype=np.int64))
    return x, y, labels


def _np(t: torch.Tensor | None) -> np.ndarray | None:
    return None if t is None else t.detach().numpy().copy()


def network_figures(spec: Spec, params: dict[str, np.ndarray]) -> dict[Key, Any]:
    """torch's figure for every step key: z, a, loss, ∂L/∂a, ∂L/∂z, f'(z), the softmax Jacobian, grads,
    updated parameters (None where torch keeps no gradient)."""
    model = build(spec, params)
    x, y, labels = _tensors(spec)
    fig: dict[Key, Any] = {}
    zs: list[torch.Tensor] = []
    acts: list[torch.Tensor] = []
    a = x
    for i, name in enumerate(model.names, 1):
        z = getattr(model, name)(a)
        if z.requires_grad:
            z.retain_grad()
        a = activate(spec.act(i), z)
        if a.requires_grad:
            a.retain_grad()
        zs.append(z)
        acts.append(a)
    loss = loss_of(spec, a, y, labels)
    if loss.requires_grad:
        loss.backward()
    fig[("loss",)] = loss.item()
    for i, (z, a) in enumerate(zip(zs, acts, strict=True), 1):
        fig[("z", str(i))] = _np(z)
        fig[("a", str(i))] = _np(a)
        fig[("grad_z", str(i))] = _np(z.grad) if z.requires_grad else None
        fig[("grad_a", str(i))] = _np(a.grad) if a.requires_grad else None
        zd = z.detach()
        if spec.act(i) == "softmax":
            fig[("jac", str(i))] = _np(torch.func.vmap(torch.func.jacrev(lambda v: torch.softmax(v, 0)))(zd))
        else:
            zz = zd.clone().requires_grad_()
            (g,) = torch.autograd.grad(activate(spec.act(i), zz).sum(), zz)
            fig[("fprime", str(i))] = _np(g)
    for name, p in model.named_parameters():
        fig[("grad", name)] = _np(p.grad) if p.requires_grad else None
    sgd_step(model, spec.lr)
    for name, p in model.named_parameters():
        fig[("updated", name)] = _np(p)
    return fig


def sgd_step(model: nn.Module, lr: float) -> None:
    """torch.optim.SGD(lr).step() without momentum or weight decay: p.add_(p.grad, alpha=-lr).

    Written out because constructing a torch optimizer imports torch._dynamo (about 2 s here); a test
    checks that it gives torch.optim.SGD's numbers exactly.
    """
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad and p.grad is not None:
                p.add_(p.grad, alpha=-lr)


def check_trace(tr: NetTrace) -> NetTrace:
    return with_torch(tr, network_figures(tr.spec, tr.params))


def check_epoch(spec: Spec, start: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    """One epoch in torch from the engine's weights: the loss before the update and the parameters after."""
    model = build(spec, start)
    x, y, labels = _tensors(spec)
    a = x
    for i, name in enumerate(model.names, 1):
        a = activate(spec.act(i), getattr(model, name)(a))
    loss = loss_of(spec, a, y, labels)
    if loss.requires_grad:
        loss.backward()
        sgd_step(model, spec.lr)
    return loss.item(), {name: p.detach().numpy().copy() for name, p in model.named_parameters()}


def torch_loop(spec: Spec, epochs: int) -> tuple[list[float], dict[str, np.ndarray]]:
    """A plain float64 torch training loop from the spec's starting parameters (what a user would write)."""
    model = build(spec, spec.params)
    x, y, labels = _tensors(spec)
    learn = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(learn, lr=spec.lr)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        a = x
        for i, name in enumerate(model.names, 1):
            a = activate(spec.act(i), getattr(model, name)(a))
        loss = loss_of(spec, a, y, labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {name: p.detach().numpy().copy() for name, p in model.named_parameters()}


# -- the referee's request kinds (check.kinds): a spec once per connection, then traces and epochs -----
@kind("network.spec")
def _spec(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """{"token": t, "spec": network.remote.spec_to_json(spec)}: kept for this connection under t."""
    from backprop_tui.network import remote

    session.put(f"spec:{request['token']}", remote.spec_from_json(request["spec"]))
    return {}


@kind("network.trace")
def _trace(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """{"token", "params"} -> {"figures"}: torch's figure for every step key (network_figures)."""
    from backprop_tui.network import remote

    spec = session.get(f"spec:{request['token']}")
    figures = network_figures(spec, remote.params_from_json(request["params"]))
    return {"figures": remote.figures_to_json(figures)}


@kind("network.epoch")
def _epoch(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """{"token", "params"} -> {"loss", "params"}: one epoch from those parameters (check_epoch)."""
    from backprop_tui.network import remote

    spec = session.get(f"spec:{request['token']}")
    loss, after = check_epoch(spec, remote.params_from_json(request["params"]))
    return {"loss": loss, "params": remote.params_to_json(after)}
