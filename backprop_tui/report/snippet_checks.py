"""The torch snippet's own output, checked: each `autograd.grad` query and each printed line.

Queries: the engine's float64 answer against torch's (the project's tolerance, then the exact referee
as for a step), and where the program is float32, the engine's float32 emulation against torch's run at
the program's dtypes. Printed lines are torch's own (the referee ran the parsed program at its dtypes);
the engine's rendering of its own float32 figures is set beside each, and a difference is reported.
"""

from __future__ import annotations

from typing import Any

from backprop_tui.check.verdict import decide, float32_agree
from backprop_tui.engine.trace import Trace
from backprop_tui.numbers import agree


def snippet_checks(trace: Trace) -> dict[str, Any]:
    from backprop_tui.engine.snippet_run import run_snippet

    run = run_snippet(trace)
    fig = trace.figures
    theirs = fig.queries if fig is not None else {}
    at_dtypes = (fig.at_dtypes if fig is not None else None) or {}
    engine32 = fig.engine32 if fig is not None else None
    float32 = engine32 is not None and any(d == "float32" for d in engine32.dtype.values())
    effects = None
    if float32:
        from backprop_tui.engine.float32_effects import Float32Effects

        effects = Float32Effects(trace.program, engine32)
    queries = []
    bounds: dict[str, Any] = {}
    for q in run.queries:
        tv = theirs.get(q.label)
        row: dict[str, Any] = {"label": q.label, "of": q.of, "wrt": q.wrt, "value": q.value, "torch_value": tv,
                               "ok": agree(q.value, tv)}
        if not row["ok"] and q.value is not None and tv is not None:
            verdict, note = _exact_verdict(trace, q.of, q.wrt, q.value, tv)
            row.update(ok=verdict == "exact", verdict=verdict, note=note)
        if float32:
            mine, torch32 = engine32.queries.get(q.label), at_dtypes.get("queries", {}).get(q.label)
            row.update(value32=mine, torch_value32=torch32)
            if not float32_agree(mine, torch32, _relative_bound(trace, q.of, q.wrt, q.value, bounds)):
                row["ok"] = False
                row["note"] = f"float32: the engine's {mine!r} and torch's {torch32!r} differ beyond rounding"
            assert effects is not None
            effect = effects.gradient(torch32 if torch32 is not None else mine, q.value)
            if effect:
                row["note"] = "; ".join(n for n in (row.get("note"), effect) if n)
        queries.append(row)
    printed = list(at_dtypes.get("printed", run.printed))
    prints = []
    for torch_line, engine_line in zip(printed, _engine_prints(trace, run, engine32), strict=False):
        prints.append({"text": torch_line, "engine": engine_line, "same": torch_line == engine_line})
    return {"queries": queries, "printed": printed, "prints": prints}


def _exact_verdict(trace: Trace, of: str, wrt: str, engine: float, torch: float) -> tuple[str, str]:
    from backprop_tui.check.bounds import rounding_bounds
    from backprop_tui.check.exact import exact_figures

    exact = exact_figures(trace.program, of)
    bounds = rounding_bounds(trace.program, of, trace.values)
    return decide(engine, torch, exact.precise.get(("grad", wrt)), bounds.grads.get(wrt))


def _relative_bound(trace: Trace, of: str, wrt: str, value: float | None, cache: dict[str, Any]) -> float:
    """The query's float64 rounding bound relative to its value (check.bounds), for the float32 check."""
    from backprop_tui.check.bounds import rounding_bounds

    if of not in cache:
        cache[of] = rounding_bounds(trace.program, of, trace.values)
    bound = cache[of].grads.get(wrt, 0.0)
    return bound / abs(value) if value else 0.0


def _engine_prints(trace: Trace, run: Any, engine32: Any) -> list[str]:
    """What the engine's own figures print as, at the program's dtypes (its float32 emulation)."""
    from backprop_tui.engine.snippet_run import printed_lines

    if engine32 is None:
        return list(run.printed)
    return printed_lines(trace, engine32.values, engine32.queries)
