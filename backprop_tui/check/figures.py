"""What the referees said, and the trace with their figures filled into every step."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from backprop_tui.engine.step import Step
from backprop_tui.engine.trace import Trace
from backprop_tui.numbers import agree


@dataclass(frozen=True)
class Figures:
    """torch's figures (and the advisory finite differences) for one program and output."""

    values: dict[str, float]
    grads: dict[str, float | None]  # None: torch gives no gradient (a constant)
    locals: dict[tuple[str, str], float]  # (of, wrt) -> ∂of/∂wrt on detached inputs
    fd_grads: dict[str, float | None] = field(default_factory=dict)
    fd_locals: dict[tuple[str, str], float | None] = field(default_factory=dict)
    queries: dict[str, float | None] = field(default_factory=dict)  # the snippet's autograd.grad answers
    # a snippet run by torch at its own dtypes (check.torch_snippet: printed lines, values, grads, locals,
    # queries), the engine's own run at those dtypes (engine.float32.DtypeRun), and the exact referee's
    # figures (check.exact.ExactFigures) where computed
    at_dtypes: dict[str, Any] | None = None
    engine32: Any = None
    exact: Any = None


def figures_to_json(fig: Figures) -> dict[str, Any]:
    """The wire form of Figures (check.protocol): dicts by name, locals as [of, wrt, value] rows."""
    return {
        "values": fig.values, "grads": fig.grads,
        "locals": [[of, wrt, v] for (of, wrt), v in fig.locals.items()],
        "fd_grads": fig.fd_grads,
        "fd_locals": [[of, wrt, v] for (of, wrt), v in fig.fd_locals.items()],
        "queries": fig.queries,
    }


def figures_to_lists(fig: Figures, program: Any) -> dict[str, Any]:
    """The compact wire form: values and gradients as lists in program order, locals as one list in the
    order of each statement's reads (both sides know the program; 10,000 statements' figures read back
    several times faster than as dicts keyed by name)."""
    names = program.names
    return {
        "values": [fig.values[n] for n in names], "grads": [fig.grads[n] for n in names],
        "locals": [fig.locals.get((a.name, r)) for a in program.assignments for r in a.reads],
        "queries": fig.queries,
    }


def figures_from_lists(data: dict[str, Any], program: Any) -> Figures:
    names = program.names
    keys = [(a.name, r) for a in program.assignments for r in a.reads]
    return Figures(dict(zip(names, data["values"], strict=True)), dict(zip(names, data["grads"], strict=True)),
                   dict(zip(keys, data["locals"], strict=True)), queries=dict(data.get("queries", {})))


def figures_from_json(data: dict[str, Any]) -> Figures:
    return Figures(
        values=dict(data["values"]), grads=dict(data["grads"]),
        locals={(of, wrt): v for of, wrt, v in data["locals"]},
        fd_grads=dict(data.get("fd_grads", {})),
        fd_locals={(of, wrt): v for of, wrt, v in data.get("fd_locals", [])},
        queries=dict(data.get("queries", {})),
    )


def check_trace(trace: Trace) -> Trace:
    """Every referee in this process (imports torch: tests and scripts; front ends use check.pipeline with
    the referee process) and the trace with every step's verdict."""
    from backprop_tui.check.finite_diff import fd_figures
    from backprop_tui.check.pipeline import judge
    from backprop_tui.check.torch_referee import torch_figures

    if getattr(trace.program, "script", None):  # a PyTorch script: torch replays it, twice (check.torch_script)
        from backprop_tui.check.script_check import judge_script
        from backprop_tui.check.torch_script import run_script_in_torch

        program = trace.program
        return judge_script(trace, {"float64": run_script_in_torch(program, float64=True),  # type: ignore[arg-type]
                                    "at_dtypes": run_script_in_torch(program)})  # type: ignore[arg-type]

    figures = torch_figures(trace.program, trace.output)
    if trace.program.dialect == "torch":
        from backprop_tui.check.torch_snippet import run_snippet_in_torch, torch_queries

        figures = replace(figures, queries=torch_queries(trace.program),
                          at_dtypes=run_snippet_in_torch(trace.program))
    fd_grads, fd_locals = fd_figures(trace)
    return judge(trace, replace(figures, fd_grads=fd_grads, fd_locals=fd_locals))


def grad_agrees(engine: float | None, torch_grad: float | None, requires_grad: bool) -> bool:
    if not requires_grad:
        return engine is None and torch_grad is None
    # torch says None for an input the output does not use: that is a zero gradient
    return agree(engine, 0.0 if torch_grad is None else torch_grad)


def apply_check(trace: Trace, fig: Figures) -> Trace:
    """The trace with torch's (and the finite differences') figure and a verdict on every step."""
    steps: list[Step] = []
    for s in trace.steps:
        tv: float | None
        fd: float | None = s.fd_value
        if s.phase == "forward":
            tv = fig.values.get(s.target)
            ok = agree(s.value, tv)
        elif s.phase == "local":
            key = (s.target, s.wrt or "")
            tv, fd = fig.locals.get(key), fig.fd_locals.get(key)
            ok = agree(s.value, tv)
        elif s.phase == "backward":
            tg = fig.grads.get(s.target)
            req = trace.requires_grad[s.target]
            tv = (0.0 if tg is None else tg) if req else None
            fd = fig.fd_grads.get(s.target)
            ok = grad_agrees(s.value, tg, req)
        else:
            steps.append(s)
            continue
        # built directly, not with dataclasses.replace: this runs once per step on 60,000-step traces
        steps.append(Step(s.index, s.phase, s.target, s.formula, s.value, s.wrt, s.nondiff, tv, fd, ok, s.terms,
                          verdict="agree" if ok else "disagree"))
    return replace(trace, steps=tuple(steps), figures=fig)
