"""Run a PyTorch model file through the tool in this process; its referee is in this process too (the
autouse fixture in tests/conftest.py: BACKPROP_TUI_REFEREE=inprocess:)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

# Kept for tests written before the one referee: the plain RemoteChecker, whose shared client is the
# in-process referee in every test not marked real_referee (tests/conftest.py)
from backprop_tui.network.remote import RemoteChecker as InProcessChecker  # noqa: F401


@dataclass
class ModelRun:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.out)


def train(text: str, epochs: int | None = None, data: str | None = None, fmt: str = "text") -> ModelRun:
    from backprop_tui.network.model_cli import train_model

    out, err = io.StringIO(), io.StringIO()
    code = train_model("model.py", text, epochs, data, fmt, out, err)
    return ModelRun(code, out.getvalue(), err.getvalue())


def trace(text: str, data: str | None = None, fmt: str = "text") -> ModelRun:
    from backprop_tui.network.model_cli import trace_model

    out, err = io.StringIO(), io.StringIO()
    code = trace_model("model.py", text, data, fmt, out, err)
    return ModelRun(code, out.getvalue(), err.getvalue())
