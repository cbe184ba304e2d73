"""Network mode's torch checks through the one referee (check.client), so no front end holds torch itself.

The referee's kinds (check.torch_network): "network.spec" {token, spec} once per connection, then
"network.trace" {token, params} -> {figures} and "network.epoch" {token, params} -> {loss, params}; for a
PyTorch model file (check.torch_model) "model.init" {plan} -> {init} (torch's RNG replay) and
"model.train32" {run} -> {losses} (the file's float32 training run). This module holds their wire forms
(specs, parameters and figures as plain lists: JSON numbers read back bit for bit) and the blocking client
the screens and `train` use. It does not import torch.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np

from backprop_tui.check.client import Referee, shared, shared_if_any
from backprop_tui.check.protocol import RefereeError
from backprop_tui.network.engine import Key, NetTrace, with_torch
from backprop_tui.network.spec import Spec


def spec_to_json(spec: Spec) -> dict[str, Any]:
    return {
        "sizes": list(spec.sizes), "activations": list(spec.activations), "output": spec.output,
        "loss": spec.loss, "lr": spec.lr, "freeze": list(spec.freeze), "seed": spec.seed,
        "x": spec.x.tolist(), "y": spec.y.tolist(),
        "labels": None if spec.labels is None else spec.labels.tolist(), "data_name": spec.data_name,
    }


def spec_from_json(d: dict[str, Any], params: dict[str, np.ndarray] | None = None) -> Spec:
    return Spec(tuple(d["sizes"]), tuple(d["activations"]), d["output"], d["loss"], float(d["lr"]),
                tuple(d["freeze"]), int(d["seed"]), params or {}, np.array(d["x"], dtype=np.float64),
                np.array(d["y"], dtype=np.float64),
                None if d["labels"] is None else np.array(d["labels"], dtype=np.int64), d["data_name"])


def params_to_json(params: dict[str, np.ndarray]) -> dict[str, Any]:
    return {k: np.asarray(v).tolist() for k, v in params.items()}


def params_from_json(d: dict[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.array(v, dtype=np.float64) for k, v in d.items()}


def figures_to_json(fig: dict[Key, Any]) -> dict[str, Any]:
    return {"|".join(k): (None if v is None else np.asarray(v).tolist()) for k, v in fig.items()}


def figures_from_json(d: dict[str, Any]) -> dict[Key, Any]:
    return {tuple(k.split("|")): (None if v is None else np.array(v, dtype=np.float64)) for k, v in d.items()}


class CheckFailed(Exception):
    pass


class RemoteChecker:
    """The network screen's torch: blocking calls for worker threads, on the process's one referee client
    (check.client.shared(), or the client given).

    `check_trace(net)` and `check_epoch(spec, start)` mirror check.torch_network's functions. Each spec's
    data goes to the referee once per connection, under a token of this checker's own.
    """

    def __init__(self, referee: Referee | None = None) -> None:
        self._referee = referee
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._sent: tuple[Spec, str, int] | None = None  # (spec, token, connection generation)

    @property
    def referee(self) -> Referee:
        if self._referee is None:
            self._referee = shared()
        return self._referee

    @property
    def version(self) -> str | None:
        return self.referee.version

    def _ask(self, kind: str, spec: Spec, **fields: Any) -> dict[str, Any]:
        referee = self.referee
        for attempt in (1, 2):
            token = self._token(spec, referee)
            try:
                return referee.request(kind, token=token, **fields)
            except RefereeError as err:
                if attempt == 2 or "KeyError" not in str(err):  # the referee dropped the spec: send it again
                    raise CheckFailed(str(err)) from None
                self._sent = None
        raise AssertionError("unreachable")

    def _token(self, spec: Spec, referee: Referee) -> str:
        held = self._sent
        referee.start()
        if held is not None and held[0] is spec and held[2] == referee.generation:
            return held[1]
        token = f"net-{id(self):x}-{next(self._tokens)}"
        try:
            referee.request("network.spec", token=token, spec=spec_to_json(spec))
        except RefereeError as err:
            raise CheckFailed(str(err)) from None
        self._sent = (spec, token, referee.generation)
        return token

    def check_trace(self, net: NetTrace) -> NetTrace:
        with self._lock:
            reply = self._ask("network.trace", net.spec, params=params_to_json(net.params))
        return with_torch(net, figures_from_json(reply["figures"]))

    def check_epoch(self, spec: Spec, start: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
        with self._lock:
            reply = self._ask("network.epoch", spec, params=params_to_json(start))
        return float(reply["loss"]), params_from_json(reply["params"])

    def model_init(self, plan: dict[str, Any]) -> dict[str, Any]:
        """torch's replay of a model file's RNG plan: {"params": {...}, "tensors": {...}} (check.torch_model)."""
        return self._plain("model.init", plan=plan)["init"]

    def model_train32(self, run: dict[str, Any]) -> list[float]:
        """The file's training run in float32 by torch: loss.item() of each reported epoch (check.torch_model)."""
        return [float(v) for v in self._plain("model.train32", run=run)["losses"]]

    def _plain(self, kind: str, **fields: Any) -> dict[str, Any]:
        """A request that needs no spec on the referee's side."""
        try:
            return self.referee.request(kind, **fields)
        except RefereeError as err:
            raise CheckFailed(str(err)) from None

    def close(self) -> None:
        """Forget what was sent; the shared referee stays up for the app's other screens (it ends with the
        app). A referee given to this checker is closed."""
        self._sent = None
        if self._referee is not None and self._referee is not shared_if_any():
            self._referee.close()
