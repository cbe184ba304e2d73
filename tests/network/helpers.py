"""Spec texts for tests: inline data from a seeded generator, written as TOML."""

from __future__ import annotations

import numpy as np

from backprop_tui.network.spec import Spec, parse_spec


def toml_list(a: np.ndarray | list) -> str:
    arr = np.asarray(a)
    if arr.ndim == 1:
        return "[" + ", ".join(repr(float(v)) if arr.dtype.kind == "f" else str(int(v)) for v in arr) + "]"
    return "[" + ", ".join(toml_list(r) for r in arr) + "]"


def spec_text(sizes: list[int], activation: str | list[str] = "sigmoid", output: str = "sigmoid",
              loss: str = "mse", rows: int = 3, seed: int = 0, lr: float = 0.1, freeze: list[str] | None = None,
              labels: bool = True) -> str:
    rng = np.random.default_rng(1000 + seed)
    x = rng.normal(size=(rows, sizes[0]))
    k = sizes[-1]
    if loss in ("cross_entropy", "cross_entropy_logits") and labels:
        y = toml_list(rng.integers(0, k, rows))
    elif loss in ("cross_entropy", "cross_entropy_logits"):
        p = rng.uniform(size=(rows, k))
        y = toml_list(p / p.sum(axis=1, keepdims=True))
    elif loss in ("bce", "bce_with_logits"):
        y = toml_list(rng.uniform(size=(rows, k)))
    else:
        y = toml_list(rng.normal(size=(rows, k)))
    act = f'"{activation}"' if isinstance(activation, str) else "[" + ", ".join(f'"{a}"' for a in activation) + "]"
    frozen = "freeze = [" + ", ".join(f'"{f}"' for f in (freeze or [])) + "]\n"
    return (f"[network]\nsizes = {sizes}\nactivation = {act}\noutput = \"{output}\"\nloss = \"{loss}\"\n"
            f"lr = {lr}\nseed = {seed}\n{frozen}\n[data]\nx = {toml_list(x)}\ny = {y}\n")


def make_spec(*args, **kwargs) -> Spec:  # type: ignore[no-untyped-def]
    return parse_spec(spec_text(*args, **kwargs))


def echo_trace(net):  # type: ignore[no-untyped-def]
    """A referee that says what the engine says (fast, deterministic): every step agrees."""
    from backprop_tui.network.engine import with_torch

    return with_torch(net, dict(zip(net.keys, net.arrays, strict=True)))


def echo_epoch(spec: Spec, start: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    """One epoch by the engine itself, as the torch epoch checker answers: (loss, params after the update)."""
    from backprop_tui.network.engine import train

    losses, params = train(spec, 1, params=start)
    return losses[0], params
