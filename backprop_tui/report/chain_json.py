"""The JSON contract scripts rely on: schema backprop-tui/1, kind "chain"."""

from __future__ import annotations

import json
import math
from typing import Any

from backprop_tui.engine.trace import Trace

SCHEMA = "backprop-tui/1"


def node_rows(trace: Trace) -> list[dict[str, Any]]:
    fig = trace.figures
    forward = {s.target: s for s in trace.steps if s.phase == "forward"}
    backward = {s.target: s for s in trace.steps if s.phase == "backward"}
    rows = []
    for name in trace.names:
        f, b = forward[name], backward[name]
        rows.append({
            "name": name,
            "value": trace.values[name],
            "grad": trace.grads[name],
            "torch_value": f.torch_value,
            "torch_grad": b.torch_value,
            "fd_grad": fig.fd_grads.get(name) if fig else None,
            "nondiff": b.nondiff,
            "ok": bool(f.ok and b.ok) if fig else None,
            "exact_value": f.exact_value,
            "exact_grad": b.exact_value,
        })
    return rows


def local_rows(trace: Trace) -> list[dict[str, Any]]:
    return [{"of": s.target, "wrt": s.wrt, "value": s.value, "torch_value": s.torch_value,
             "fd_value": s.fd_value, "nondiff": s.nondiff, "ok": s.ok}
            for s in trace.steps if s.phase == "local"]


def step_rows(trace: Trace) -> list[dict[str, Any]]:
    rows = []
    for s in trace.steps:
        row = {"index": s.index, "phase": s.phase, "target": s.target, "formula": s.formula, "value": s.value,
               "torch_value": s.torch_value, "fd_value": s.fd_value, "ok": s.ok, "exact_value": s.exact_value,
               "digits": s.digits, "verdict": s.verdict}
        if s.wrt is not None:
            row["wrt"] = s.wrt
        if s.nondiff:
            row["nondiff"] = True
        if s.note:
            row["note"] = s.note
        if s.value32 is not None or s.torch_value32 is not None:
            row["value32"], row["torch_value32"] = s.value32, s.torch_value32
        rows.append(row)
    return rows


def document(trace: Trace, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "kind": "chain",
        "dialect": trace.program.dialect,
        "ok": trace.ok,
        "output": trace.output,
        "nodes": node_rows(trace),
        "locals": local_rows(trace),
        "steps": step_rows(trace),
    }
    if extra:
        doc.update(extra)
    return doc


def dumps(doc: dict[str, Any]) -> str:
    """Compact: the C encoder (indent would switch to the slow pure-Python one on 10,000-node programs).
    JSON has no inf or nan: a non-finite figure (float32 overflow, torch's nan) is written as the string
    "inf", "-inf" or "nan"."""
    try:
        return json.dumps(doc, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(doc), ensure_ascii=False, allow_nan=False)


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_finite(x) for x in v]
    return v
