"""Text, markdown and JSON of a checked PyTorch script (engine.script_trace): its steps grouped by loop
iteration and backward pass, its printed lines (torch's own) with the step after which each appears."""

from __future__ import annotations

from typing import Any, TextIO

from backprop_tui.engine.script_trace import ScriptTrace
from backprop_tui.engine.step import Step
from backprop_tui.lang.script import Backward, ScriptProgram
from backprop_tui.numbers import short
from backprop_tui.report.chain_json import SCHEMA, dumps, step_rows
from backprop_tui.report.chain_text import FORMULA_COLUMN, _cell, check_text, mark, summary

KIND = "script"


def script_extra(trace: ScriptTrace, sheet: object = None) -> dict[str, Any]:
    """The checked queries, printed lines and torch's warnings (check.script_check); a worksheet is refused."""
    from backprop_tui.check.script_check import script_checks
    from backprop_tui.errors import BadInput

    if sheet is not None:
        raise BadInput("worksheets are made from a chain or a snippet without backward(); this is a PyTorch script "
                       "with backward passes (trace it as text, markdown or json)")
    return script_checks(trace)


def write_script(trace: ScriptTrace, title: str, fmt: str, out: TextIO, sheet: object = None) -> int:
    """Render a checked script; the exit status (0: torch agrees on every step and query; 1: not)."""
    from backprop_tui.errors import BadInput

    extra = script_extra(trace, sheet)
    ok = trace.ok and all(q["ok"] for q in extra["queries"])
    if fmt == "json":
        out.write(dumps(document(trace, extra, ok)) + "\n")
    elif fmt == "markdown":
        out.write(markdown(trace, title, extra))
    elif fmt == "text":
        out.write(text(trace, title, extra))
    else:
        raise BadInput(f"--format {fmt} is made from a chain or a snippet without backward(); a PyTorch script "
                       "with backward passes is written as text, markdown or json")
    return 0 if ok else 1


def headline(trace: ScriptTrace) -> str:
    program: ScriptProgram = trace.program  # type: ignore[assignment]
    loops = "".join(f", a loop over `{v}` ({n} iteration{'s' if n != 1 else ''}, line {line})"
                    for v, line, n in program.loops)
    passes = program.passes
    return (f"a PyTorch script: {passes} backward pass{'es' if passes != 1 else ''}{loops}, "
            f"{len(trace.steps)} steps")


def section(s: Step) -> str:
    """The heading a step falls under."""
    where = f" (iteration {s.iteration})" if s.iteration is not None else ""
    if s.backward_pass is not None:
        what = "local derivatives" if s.phase == "local" else "chain rule, reverse order"
        return f"Backward pass {s.backward_pass}{where}: {what}"
    if s.phase == "forward":
        return f"Iteration {s.iteration}: forward" if s.iteration is not None else "Forward (in source order)"
    if s.phase == "update":
        return f"Update under torch.no_grad(){where}"
    return f"Gradient reset{where}"


def text(trace: ScriptTrace, title: str, extra: dict[str, Any]) -> str:
    out = [f"{title}: {headline(trace)}", summary(trace)]
    index_width = len(str(len(trace.steps)))
    width = min(FORMULA_COLUMN, max((len(s.formula) for s in trace.steps), default=0))
    heading = None
    for s in trace.steps:
        if section(s) != heading:
            heading = section(s)
            out += ["", heading]
        out.append(f"  [{s.index + 1:>{index_width}}] {s.formula:<{width}}  {check_text(s)}")
        if s.note:
            out.append(f"  {'':>{index_width + 2}} ↳ {s.note}")
    out += _tail(trace, extra, markdown=False)
    return "\n".join(out) + "\n"


def markdown(trace: ScriptTrace, title: str, extra: dict[str, Any]) -> str:
    out = [f"# {title}", "", f"{headline(trace)[0].upper()}{headline(trace)[1:]}. {summary(trace)}."]
    heading = None
    for s in trace.steps:
        if section(s) != heading:
            heading = section(s)
            out += ["", f"## {heading}", "", "| # | step | value | torch | check |", "|---|---|---|---|---|"]
        note = f" {_cell(s.note)}" if s.note else ""
        out.append(f"| {s.index + 1} | `{_cell(s.formula)}` | {short(s.value)} | {short(s.torch_value)} | "
                   f"{mark(s.ok, s.verdict)}{note} |")
    out += _tail(trace, extra, markdown=True)
    return "\n".join(out) + "\n"


def _tail(trace: ScriptTrace, extra: dict[str, Any], markdown: bool) -> list[str]:
    run = trace.run
    assert run is not None
    out = ["", "## Leaves at the end" if markdown else "Leaves at the end (value, .grad)"]
    for name, value in run.final.items():
        grad = run.grads.get(name)
        line = f"{name} = {short(value)}, {name}.grad = {'None' if grad is None else short(grad)}"
        out.append(f"- `{line}`" if markdown else f"  {line}")
    if extra["queries"]:
        out += ["", "## torch.autograd.grad queries" if markdown else "Queries (torch.autograd.grad)"]
        for q in extra["queries"]:
            line = f"{q['label']} = ∂{q['of']}/∂{q['wrt']} = {short(q['value'])}    {mark(q['ok'])} torch " \
                   f"{short(q['torch_value'])}"
            out.append(f"- `{line}`" if markdown else f"  {line}")
    if extra["printed"]:
        out += ["", "## Printed (torch's own output)" if markdown else "Printed (torch's own output)"]
        width = max(len(p) for p in extra["printed"])
        for p in extra["prints"]:
            at = f"(after step {p['after_step']})" if p["after_step"] else "(before the first step)"
            out.append(f"    {p['text']:<{width}}  {at}")
            if not p["same"]:
                out.append(f"      ↳ the engine's own float32 figures print {p['engine']} (torch rounds differently "
                           "in the last digits: another kernel or order of operations)")
        for p in extra["printed"][len(extra["prints"]):]:
            out.append(f"    {p}")
    for w in extra["torch_warnings"]:
        where = f"line {w['line']}" + (f" (iteration {w['iteration']})" if w["iteration"] is not None else "")
        out += ["", f"torch warns at {where}: {w['category']}: {w['message']}"]
    return out


def document(trace: ScriptTrace, extra: dict[str, Any], ok: bool) -> dict[str, Any]:
    program: ScriptProgram = trace.program  # type: ignore[assignment]
    run = trace.run
    assert run is not None
    rows = step_rows(trace)
    for row, s in zip(rows, trace.steps, strict=True):
        row["iteration"], row["backward_pass"] = s.iteration, s.backward_pass
    members: dict[int, list[int]] = {}
    for s in trace.steps:
        if s.backward_pass is not None:
            members.setdefault(s.backward_pass, []).append(s.index)
    passes = []
    for record, event in zip(run.passes, [e for e in program.script if isinstance(e, Backward)], strict=True):
        steps = members[record.number]
        passes.append({"number": record.number, "of": record.of, "iteration": event.at.iteration,
                       "line": event.at.line, "retain_graph": event.retain, "steps": [steps[0], steps[-1]],
                       "grads": record.after})
    forward = {s.target: s for s in trace.steps if s.phase == "forward"}
    nodes = [{"name": n, "value": run.values[n], "torch_value": forward[n].torch_value, "ok": forward[n].ok,
              "iteration": forward[n].iteration, "requires_grad": run.requires[n]} for n in program.names]
    return {
        "schema": SCHEMA, "kind": KIND, "dialect": "torch", "ok": ok, "output": trace.output,
        "loops": [{"variable": v, "line": line, "iterations": n} for v, line, n in program.loops],
        "passes": passes, "nodes": nodes, "steps": rows,
        "final": {n: {"value": v, "grad": run.grads.get(n)} for n, v in run.final.items()},
        **extra, "warnings": [],
    }
