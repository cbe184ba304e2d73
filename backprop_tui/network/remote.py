"""Network mode's torch referee in its own process, so the app never holds torch (or the GIL) itself.

The server is `python -m backprop_tui.check.torch_network`; one JSON request per line on stdin, one answer
per line on stdout, the first line {"ready": true, "torch": "<version>"}:
    {"id": 1, "op": "spec", "token": "s1", "spec": {...}}            -> {"id": 1, "ok": true}
    {"id": 2, "op": "trace", "token": "s1", "params": {...}}         -> {"id": 2, "ok": true, "figures": {...}}
    {"id": 3, "op": "epoch", "token": "s1", "params": {...}}         -> {"id": 3, "ok": true, "loss": x,
                                                                         "params": {...}}
    {"id": 4, "op": "model_init", "plan": {...}}                     -> {"id": 4, "ok": true, "init": {...}}
    {"id": 5, "op": "model_train32", "run": {...}}                   -> {"id": 5, "ok": true, "losses": [...]}
(the last two: a PyTorch model file's RNG replay and float32 run; their JSON is in check.torch_model)
Floats travel as JSON numbers, which read back bit for bit. This module does not import torch.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from typing import Any

import numpy as np

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
    """A client of the server process, for worker threads: blocking, one request at a time.

    `check_trace(net)` and `check_epoch(spec, start)` mirror check.torch_network's functions.
    """

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "backprop_tui.check.torch_network"]
        self.version: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._sent: dict[int, tuple[Spec, str]] = {}  # id(spec) -> (spec, token): each spec's data goes once

    def _start(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True, bufsize=1)
            self._sent.clear()
            hello = self._read(self._proc)
            self.version = hello.get("torch")
        return self._proc

    def _read(self, proc: subprocess.Popen[str]) -> dict[str, Any]:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr is not None else ""
            last = err.strip().splitlines()[-1:] or ["the torch checker exited"]
            raise CheckFailed(last[0])
        return json.loads(line)

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        proc = self._start()
        assert proc.stdin is not None
        rid = next(self._ids)
        proc.stdin.write(json.dumps({"id": rid, **request}) + "\n")
        proc.stdin.flush()
        while True:
            reply = self._read(proc)
            if reply.get("id") == rid:
                break
        if not reply.get("ok"):
            raise CheckFailed(reply.get("error", "the torch checker failed"))
        return reply

    def _token(self, spec: Spec) -> str:
        held = self._sent.get(id(spec))
        if held is not None and held[0] is spec:
            return held[1]
        token = f"s{next(self._ids)}"
        self._ask({"op": "spec", "token": token, "spec": spec_to_json(spec)})
        self._sent = {id(spec): (spec, token)}  # the server keeps the last few; so do we
        return token

    def check_trace(self, net: NetTrace) -> NetTrace:
        with self._lock:
            token = self._token(net.spec)
            reply = self._ask({"op": "trace", "token": token, "params": params_to_json(net.params)})
        return with_torch(net, figures_from_json(reply["figures"]))

    def check_epoch(self, spec: Spec, start: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
        with self._lock:
            token = self._token(spec)
            reply = self._ask({"op": "epoch", "token": token, "params": params_to_json(start)})
        return float(reply["loss"]), params_from_json(reply["params"])

    def model_init(self, plan: dict[str, Any]) -> dict[str, Any]:
        """torch's replay of a model file's RNG plan: {"params": {...}, "tensors": {...}} (check.torch_model)."""
        with self._lock:
            return self._ask({"op": "model_init", "plan": plan})["init"]

    def model_train32(self, run: dict[str, Any]) -> list[float]:
        """The file's training run in float32 by torch: loss.item() of each reported epoch (check.torch_model)."""
        with self._lock:
            return [float(v) for v in self._ask({"op": "model_train32", "run": run})["losses"]]

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
