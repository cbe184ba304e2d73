"""The referee's request kinds: one registered handler per kind, and the dispatch every transport uses.

A handler is `def handle(request: dict, session: Session) -> dict`: it reads the request's fields and
returns the answer's fields (the dispatch adds "id" and "ok"); raising names the failure in the answer,
and the referee keeps serving. To add a kind, write one such function in a module that imports torch,
decorate it with `@kind("name")`, and list the module in HANDLER_MODULES if it is a new one:

    @kind("network.init")
    def _init(request: dict, session: Session) -> dict:
        ...
        return {"params": ...}

This module stays light (no torch): the handlers' modules are imported by `load_handlers()` inside the
referee's process only.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any], "Session"], dict[str, Any]]
KINDS: dict[str, Handler] = {}
HANDLER_MODULES = (
    "backprop_tui.check.torch_referee",   # chain: torch's figures for a chain or snippet, float64
    "backprop_tui.check.torch_snippet",   # snippet: the snippet run at its own dtypes, torch's printed lines
    "backprop_tui.check.torch_network",   # network.spec, network.trace, network.epoch
    "backprop_tui.check.torch_model",     # model.init, model.train32: a PyTorch model file's RNG and float32 run
)


def kind(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for requests {"kind": name, ...}."""

    def register(handler: Handler) -> Handler:
        if name in KINDS and KINDS[name] is not handler:
            raise ValueError(f"request kind {name!r} is registered twice")
        KINDS[name] = handler
        return handler

    return register


def load_handlers() -> list[str]:
    """Import every handler module (this imports torch); the registered kinds."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return sorted(KINDS)


class Session:
    """One client connection's state: what it sent earlier (a network spec, by token). Bounded: the
    oldest entries go first, and a client re-sends what the referee no longer holds."""

    LIMIT = 8

    def __init__(self) -> None:
        self._store: OrderedDict[str, Any] = OrderedDict()

    def put(self, key: str, value: Any) -> None:
        self._store[key] = value
        self._store.move_to_end(key)
        while len(self._store) > self.LIMIT:
            self._store.popitem(last=False)

    def get(self, key: str) -> Any:
        if key not in self._store:
            raise KeyError(f"{key!r}: this connection has not sent it (or it was dropped); send it again")
        self._store.move_to_end(key)
        return self._store[key]


def answer(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """The reply to one request: the handler's fields plus id and ok, or the error it raised."""
    rid = request.get("id")
    try:
        name = request.get("kind")
        handler = KINDS.get(name) if isinstance(name, str) else None
        if handler is None:
            raise ValueError(f"unknown request kind {name!r}; kinds: {', '.join(sorted(KINDS))}")
        reply = handler(request, session)
    except Exception as err:  # the answer names the failure; the referee keeps serving
        return {"id": rid, "ok": False, "error": f"{type(err).__name__}: {err}"}
    return {**reply, "id": rid, "ok": True}


@kind("ping")
def _ping(request: dict[str, Any], session: Session) -> dict[str, Any]:
    """A liveness check (and a test that requests from many clients reach one process)."""
    import os

    return {"pid": os.getpid()}
