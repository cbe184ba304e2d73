"""Run a PyTorch model file through the tool in this process, with torch's side in this process too."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any


class InProcessChecker:
    """The referee's model requests answered here, through a JSON round trip (the wire's exact numbers)."""

    def model_init(self, plan: dict[str, Any]) -> dict[str, Any]:
        from backprop_tui.check.torch_model import replay_init

        return json.loads(json.dumps(replay_init(json.loads(json.dumps(plan)))))

    def model_train32(self, run: dict[str, Any]) -> list[float]:
        from backprop_tui.check.torch_model import train_float32

        return json.loads(json.dumps(train_float32(json.loads(json.dumps(run)))))["losses"]

    def check_epoch(self, spec, start):  # type: ignore[no-untyped-def]
        from backprop_tui.check.torch_network import check_epoch

        return check_epoch(spec, start)

    def check_trace(self, net):  # type: ignore[no-untyped-def]
        from backprop_tui.check.torch_network import check_trace

        return check_trace(net)

    def close(self) -> None:
        pass


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
    code = train_model("model.py", text, epochs, data, fmt, out, err, checker=InProcessChecker)
    return ModelRun(code, out.getvalue(), err.getvalue())


def trace(text: str, data: str | None = None, fmt: str = "text") -> ModelRun:
    from backprop_tui.network.model_cli import trace_model

    out, err = io.StringIO(), io.StringIO()
    code = trace_model("model.py", text, data, fmt, out, err, checker=InProcessChecker)
    return ModelRun(code, out.getvalue(), err.getvalue())
