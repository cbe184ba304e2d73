"""The JSON contract scripts rely on: schema backprop-tui/1, kind "chain"."""

from __future__ import annotations

import json
import math
from typing import Any

from backprop_tui.engine.trace import Trace
from backprop_tui.engine.warnings import chain_warnings

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
        "warnings": [w.as_json() for w in chain_warnings(trace)],
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


# -- the steps written early: their text known before the referees answer, then completed ------------------
_text = json.encoder.encode_basestring  # type: ignore[attr-defined]  # the C encoder of a JSON string


def _num(v: float | int | None) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    v = float(v) if not isinstance(v, int) else v
    if isinstance(v, float) and not math.isfinite(v):
        return '"nan"' if v != v else ('"inf"' if v > 0 else '"-inf"')
    return repr(v)


def prerender(trace: Trace) -> dict[str, list[str]]:
    """Each row's JSON as far as the engine alone knows it (names, formulas, values): the CLI writes this
    while torch works, so little is left once it has answered. Rows of "steps", "locals" and "nodes".
    A PyTorch script has its own document (report.script_report): {}."""
    if getattr(trace.program, "script", None):
        return {}
    steps, local_heads = [], []
    for s in trace.steps:
        head = (f'{{"index": {s.index}, "phase": "{s.phase}", "target": {_text(s.target)}, '
                f'"formula": {_text(s.formula)}, "value": {_num(s.value)}')
        if s.wrt is not None:
            head += f', "wrt": {_text(s.wrt)}'
        if s.nondiff:
            head += ', "nondiff": true'
        steps.append(head)
        if s.phase == "local":
            local_heads.append(f'{{"of": {_text(s.target)}, "wrt": {_text(s.wrt or "")}, "value": {_num(s.value)}, '
                               f'"nondiff": {_num(s.nondiff)}')
    nondiff = {s.target: s.nondiff for s in trace.steps if s.phase == "backward"}
    nodes = [f'{{"name": {_text(n)}, "value": {_num(trace.values[n])}, "grad": {_num(trace.grads[n])}, '
             f'"nondiff": {_num(nondiff[n])}' for n in trace.names]
    return {"steps": steps, "locals": local_heads, "nodes": nodes}


def _steps_text(trace: Trace, heads: list[str]) -> str:
    parts = []
    for s, head in zip(trace.steps, heads, strict=True):
        tail = (f', "torch_value": {_num(s.torch_value)}, "fd_value": {_num(s.fd_value)}, "ok": {_num(s.ok)}, '
                f'"exact_value": {_num(s.exact_value)}, "digits": {_num(s.digits)}, '
                f'"verdict": {"null" if s.verdict is None else _text(s.verdict)}')
        if s.note:
            tail += f', "note": {_text(s.note)}'
        if s.value32 is not None or s.torch_value32 is not None:
            tail += f', "value32": {_num(s.value32)}, "torch_value32": {_num(s.torch_value32)}'
        parts.append(head + tail + "}")
    return "[" + ", ".join(parts) + "]"


def _locals_text(trace: Trace, heads: list[str]) -> str:
    rows = [s for s in trace.steps if s.phase == "local"]
    return "[" + ", ".join(f'{head}, "torch_value": {_num(s.torch_value)}, "fd_value": {_num(s.fd_value)}, '
                           f'"ok": {_num(s.ok)}}}' for s, head in zip(rows, heads, strict=True)) + "]"


def _nodes_text(trace: Trace, heads: list[str]) -> str:
    fig = trace.figures
    forward = {s.target: s for s in trace.steps if s.phase == "forward"}
    backward = {s.target: s for s in trace.steps if s.phase == "backward"}
    parts = []
    for name, head in zip(trace.names, heads, strict=True):
        f, b = forward[name], backward[name]
        ok = _num(bool(f.ok and b.ok)) if fig else "null"
        fd = _num(fig.fd_grads.get(name)) if fig else "null"
        parts.append(f'{head}, "torch_value": {_num(f.torch_value)}, "torch_grad": {_num(b.torch_value)}, '
                     f'"fd_grad": {fd}, "ok": {ok}, "exact_value": {_num(f.exact_value)}, '
                     f'"exact_grad": {_num(b.exact_value)}}}')
    return "[" + ", ".join(parts) + "]"


def document_text(trace: Trace, extra: dict[str, Any] | None = None,
                  heads: dict[str, list[str]] | None = None) -> str:
    """dumps(document(trace, extra)), with the rows from `prerender` (the same JSON, written sooner)."""
    if heads is None:
        return dumps(document(trace, extra))
    doc: dict[str, Any] = {"schema": SCHEMA, "kind": "chain", "dialect": trace.program.dialect, "ok": trace.ok,
                           "output": trace.output}
    for key in ("nodes", "locals", "steps"):
        doc[key] = f"\x00{key}\x00"
    doc["warnings"] = [w.as_json() for w in chain_warnings(trace)]
    if extra:
        doc.update(extra)
    text = dumps(doc)
    for key, render in (("nodes", _nodes_text), ("locals", _locals_text), ("steps", _steps_text)):
        text = text.replace(json.dumps(f"\x00{key}\x00"), render(trace, heads[key]), 1)
    return text
