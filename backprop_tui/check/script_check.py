"""The verdict on every step of a PyTorch script (engine.script_trace), from torch's two replays of it
(check.torch_script, the referee's "snippet" kind).

- float64: each step's figure against torch's float64 run within the project's tolerance
  (numbers.agree); where that fails, the exact referee decides on the program that step computes
  (check.script_exact: the statement, the backward pass or the update, its inputs as the engine stored
  them), as for any chain (check.verdict.decide);
- float32 (where the program is float32): the engine's own float32 figure, computed from torch's float32
  inputs at that step (engine.script_run's `sync`: a rounding difference is judged where it happens and
  never compounds over iterations), against torch's, within check.verdict.float32_agree (2 ulps, widened
  by the step's float64 rounding bound where that is larger);
- the printed lines are torch's own (its run at the program's dtypes); the engine's own float32 figures,
  printed the same way, stand beside each line and a difference is reported, never hidden.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from backprop_tui.check.figures import Figures
from backprop_tui.check.verdict import decide, float32_agree
from backprop_tui.engine.script_run import ScriptRun, run_script
from backprop_tui.engine.script_trace import ScriptTrace
from backprop_tui.engine.step import Step
from backprop_tui.numbers import agree


def step_figure(trace: ScriptTrace, s: Step, reply: dict[str, Any], locals_: dict[tuple[str, str], float],
                ) -> float | None:
    """A run's figure for step s: torch's reply (check.torch_script's keys)."""
    i = trace.events[s.index]
    if s.phase == "forward":
        return reply["values"].get(s.target)
    if s.phase == "local":
        return locals_.get((s.target, s.wrt or ""))
    if s.phase == "backward":
        p = reply["passes"][s.backward_pass - 1]  # type: ignore[operator]
        record = trace.run.passes[s.backward_pass - 1]  # type: ignore[union-attr, operator]
        return p["after"].get(s.target) if s.target in record.after else p["grads"].get(s.target)
    if s.phase == "update":
        return reply["updates"].get(str(i))
    return reply["resets"].get(str(i))


def engine_figure(trace: ScriptTrace, s: Step, run: ScriptRun) -> float | None:
    """The engine's own figure for step s in one of its runs (float64: the steps' own; float32: `sync`)."""
    i = trace.events[s.index]
    if s.phase == "forward":
        return run.values.get(s.target)
    if s.phase == "local":
        return next((loc.value for loc in run.locals.get(s.target, ()) if loc.wrt == s.wrt), None)
    if s.phase == "backward":
        record = run.passes[s.backward_pass - 1]  # type: ignore[operator]
        return record.after[s.target] if s.target in record.after else record.grads.get(s.target)
    if s.phase == "update":
        return run.updates[i][1]
    return s.value


def judge_script(trace: ScriptTrace, reply: dict[str, Any]) -> ScriptTrace:
    """The trace with torch's figures and a verdict on every step (see the module's docstring)."""
    from backprop_tui.check.script_exact import ExactOnDemand

    program = trace.program
    f64, own = reply["float64"], reply["at_dtypes"]
    locals64 = {(of, wrt): v for of, wrt, v in f64["locals"]}
    locals32 = {(of, wrt): v for of, wrt, v in own["locals"]}
    float32 = any(d == "float32" for d in getattr(program, "dtypes", {}).values())
    mine32 = run_script(program, at_dtypes=True, sync=own) if float32 else None  # type: ignore[arg-type]
    exact = ExactOnDemand(trace)
    steps = []
    for s in trace.steps:
        tv = step_figure(trace, s, f64, locals64)
        ok = agree(s.value, tv)
        changes: dict[str, Any] = {"torch_value": tv, "ok": ok, "verdict": "agree" if ok else "disagree"}
        if not ok and s.value is not None and tv is not None:
            x, bound = exact.figure(s)
            verdict, note = decide(s.value, tv, x, bound)
            changes.update(verdict=verdict, note=note, ok=verdict == "exact")
            if x is not None:
                changes["exact_value"] = float(x)
        if mine32 is not None:
            mine, theirs = engine_figure(trace, s, mine32), step_figure(trace, s, own, locals32)
            changes.update(value32=mine, torch_value32=theirs)
            if not float32_agree(mine, theirs, 0.0) and not float32_agree(mine, theirs, exact.relative_bound(s)):
                changes.update(ok=False, verdict="disagree")
                changes["note"] = "; ".join(n for n in (changes.get("note"), f"float32: the engine's {mine!r} and "
                                                        f"torch's {theirs!r} differ beyond rounding") if n)
        steps.append(replace(s, **changes))
    figures = Figures(values=f64["values"], grads={}, locals=locals64, queries=f64["queries"], at_dtypes=own,
                      engine32=mine32)
    return replace(trace, steps=tuple(steps), figures=figures)


def script_checks(trace: ScriptTrace) -> dict[str, Any]:
    """The report's extra parts: queries (each checked), torch's printed lines with the engine's beside them,
    and the warnings torch prints to stderr."""
    program = trace.program
    fig = trace.figures
    run = trace.run
    assert run is not None
    theirs64 = fig.queries if fig is not None else {}
    own = (fig.at_dtypes if fig is not None else None) or {}
    mine32: ScriptRun | None = fig.engine32 if fig is not None else None
    queries = []
    for q in program.queries:
        value, tv = run.queries.get(q.label), theirs64.get(q.label)
        row: dict[str, Any] = {"label": q.label, "of": q.of, "wrt": q.wrt, "value": value, "torch_value": tv,
                               "ok": agree(value, tv) if fig is not None else None}
        if mine32 is not None:
            row.update(value32=mine32.queries.get(q.label), torch_value32=own.get("queries", {}).get(q.label))
            if not float32_agree(row["value32"], row["torch_value32"], 0.0):
                row["ok"] = False
                row["note"] = (f"float32: the engine's {row['value32']!r} and torch's {row['torch_value32']!r} "
                               "differ beyond rounding")
        queries.append(row)
    engine_lines = mine32.printed if mine32 is not None else run_script(program, at_dtypes=True).printed  # type: ignore[arg-type]
    printed = list(own.get("printed", engine_lines))
    prints = [{"text": t, "engine": e, "same": t == e, "after_step": k}
              for t, e, k in zip(printed, engine_lines, trace.print_at, strict=False)]
    warnings = [{"line": w.at.line, "col": w.at.col, "iteration": w.at.iteration, "category": w.category,
                 "message": w.message} for w in program.torch_warnings]  # type: ignore[attr-defined]
    return {"queries": queries, "printed": printed, "prints": prints, "torch_warnings": warnings}
