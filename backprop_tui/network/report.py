"""Text, markdown and json renderings of a network trace and of a training run."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backprop_tui.engine.warnings import LearningWarning, rendered
from backprop_tui.network.engine import NetTrace, mat
from backprop_tui.network.spec import Spec
from backprop_tui.network.warnings import trace_warnings, training_warnings
from backprop_tui.numbers import short

SCHEMA = "backprop-tui/1"

STEP_ARRAY_LIMIT = 100_000  # a step's numbers in json at most; params always come in full


def describe(spec: Spec) -> str:
    hidden = ", ".join(spec.activations) if spec.activations else "no hidden layer"
    rows = len(spec.x)
    frozen = f", frozen: {', '.join(spec.freeze)}" if spec.freeze else ""
    return (f"network {'-'.join(map(str, spec.sizes))} ({hidden}; output {spec.output}), loss {spec.loss}, "
            f"lr {short(spec.lr)}, {rows} row{'s' if rows != 1 else ''} ({spec.data_name}){frozen}")


def _verdict(ok: bool | None, torch_value: str) -> str:
    if ok is None:
        return ""
    return "torch ✓" if ok else f"torch ✗ says {torch_value}"


# -- trace ------------------------------------------------------------------------------------------
def warnings_text(found: tuple[LearningWarning, ...], markdown: bool = False) -> list[str]:
    """The warnings block of a text or markdown document (empty when there are none)."""
    if not found:
        return []
    if markdown:
        return ["**Warnings**", "", *(f"- {line}" for line in rendered(found, indent="")), ""]
    return ["Warnings (what would slow or stop learning, and what to try)", *rendered(found), ""]


def trace_text(tr: NetTrace) -> str:
    lines = [describe(tr.spec), _summary(tr), "", *warnings_text(trace_warnings(tr))]
    for s, t in zip(tr.steps, tr.torch_arrays or (None,) * len(tr.steps), strict=True):
        verdict = _verdict(s.ok, mat(t))
        lines.append(f"{s.index + 1:>3}  {s.phase:<8}  {s.formula}" + (f"   [{verdict}]" if verdict else ""))
    lines += ["", f"loss {short(tr.loss)} (before the update)", _summary(tr)]
    return "\n".join(lines) + "\n"


def trace_markdown(tr: NetTrace) -> str:
    lines = [f"**{describe(tr.spec)}**", "", *warnings_text(trace_warnings(tr), markdown=True),
             "| # | phase | step | torch |", "|---:|---|---|---|"]
    for s, t in zip(tr.steps, tr.torch_arrays or (None,) * len(tr.steps), strict=True):
        formula = s.formula.replace("|", "\\|")
        lines.append(f"| {s.index + 1} | {s.phase} | `{formula}` | {_verdict(s.ok, mat(t))} |")
    lines += ["", f"loss {short(tr.loss)} (before the update). {_summary(tr)}"]
    return "\n".join(lines) + "\n"


def _summary(tr: NetTrace) -> str:
    checked = [s for s in tr.steps if s.ok is not None]
    agreed = sum(1 for s in checked if s.ok)
    if not tr.checked:
        return "torch: not checked"
    return (f"torch: {agreed} of {len(checked)} steps agree (largest difference {tr.max_error:.3g})"
            if agreed == len(checked) else f"torch: {len(checked) - agreed} of {len(checked)} steps DISAGREE")


def plain(v: Any) -> Any:
    """numpy → nested lists of floats; non-finite numbers → None (json has no NaN)."""
    if v is None:
        return None
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return plain(float(v))
        if np.isfinite(v).all():
            return v.tolist()
        return np.where(np.isfinite(v), v, None).tolist()
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    return v


def trace_json(tr: NetTrace) -> str:
    steps = []
    nothing = (None,) * len(tr.steps)
    for s, arr, t, fd in zip(tr.steps, tr.arrays, tr.torch_arrays or nothing, tr.fd_arrays or nothing,
                             strict=True):
        elide = arr is not None and arr.size > STEP_ARRAY_LIMIT
        value = s.value if s.value is not None else (None if elide else plain(arr))
        torch_value = s.torch_value if s.torch_value is not None else (None if elide else plain(t))
        fd_value = s.fd_value if s.fd_value is not None else (None if elide else plain(fd))
        entry = {"index": s.index, "phase": s.phase, "target": s.target, "formula": s.formula, "value": value,
                 "torch_value": torch_value, "fd_value": fd_value, "ok": s.ok}
        if s.wrt is not None:
            entry["wrt"] = s.wrt
        if arr is not None and arr.ndim:
            entry["shape"] = list(arr.shape)
        if elide:
            entry["elided"] = True  # too many numbers to repeat here; params has the parameters in full
        steps.append(entry)
    doc = {
        "schema": SCHEMA, "kind": "network", "ok": tr.ok, "loss": plain(tr.loss),
        "network": network_json(tr.spec),
        "params": {n: {"value": plain(tr.params[n]), "grad": plain(tr.grads[n]), "updated": plain(tr.updated[n])}
                   for n in tr.spec.param_names},
        "steps": steps,
        "warnings": [w.as_json() for w in trace_warnings(tr)],
    }
    return json.dumps(doc, ensure_ascii=False) + "\n"


def network_json(spec: Spec) -> dict[str, Any]:
    return {"sizes": list(spec.sizes), "activation": list(spec.activations), "output": spec.output,
            "loss": spec.loss, "lr": spec.lr, "freeze": list(spec.freeze), "seed": spec.seed,
            "data": spec.data_name, "rows": len(spec.x)}


# -- training ---------------------------------------------------------------------------------------
@dataclass
class TrainResult:
    spec: Spec
    epochs: int
    losses: list[float]
    final_loss: float
    params: dict[str, np.ndarray]
    checked_epochs: list[int] = field(default_factory=list)
    disagreed_epochs: list[int] = field(default_factory=list)
    max_error: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.disagreed_epochs

    def checks_line(self) -> str:
        ran = len(self.checked_epochs)
        agreed = ran - len(self.disagreed_epochs)
        head = f"torch checked {ran} epoch{'s' if ran != 1 else ''} from the engine's weights: {agreed} agreed"
        tail = f" (largest difference {self.max_error:.3g})"
        if self.disagreed_epochs:
            tail += f"; disagreed at epoch{'s' if len(self.disagreed_epochs) > 1 else ''} " + \
                ", ".join(map(str, self.disagreed_epochs[:10]))
        return head + tail


def epoch_line(epoch: int, epochs: int, loss: float) -> str:
    return f"Epoch [{epoch}/{epochs}], Loss: {loss_text(loss)}"


def loss_text(loss: float) -> str:
    """The post's {:.4f}; a diverging run's huge losses in e-notation rather than 300 digits."""
    return f"{loss:.4f}" if abs(loss) < 1e12 or not math.isfinite(loss) else f"{loss:.4e}"


def train_json(res: TrainResult) -> str:
    ran = len(res.checked_epochs)
    doc = {
        "schema": SCHEMA, "kind": "training", "ok": res.ok, "epochs": res.epochs,
        "network": network_json(res.spec),
        "losses": [plain(v) for v in res.losses], "final_loss": plain(res.final_loss),
        "params": {n: plain(res.params[n]) for n in res.spec.param_names},
        "checks": {"ran": ran, "agreed": ran - len(res.disagreed_epochs), "epochs": res.checked_epochs,
                   "max_error": res.max_error},
        "warnings": [w.as_json() for w in training_warnings(res)],
    }
    return json.dumps(doc) + "\n"
