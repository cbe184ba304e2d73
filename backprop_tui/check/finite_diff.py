"""Central finite differences: an advisory third opinion, in pure Python.

Gradients by finite differences cost a forward pass per name (quadratic), so they are computed only
for programs of up to FD_GRAD_LIMIT assignments; locals only for statements of modest size, in programs of
up to FD_LOCAL_LIMIT assignments (beyond, the exact referee is the third opinion where one is needed).
Skipped figures are None and shown as "—".
"""

from __future__ import annotations

import math
from collections.abc import Callable

from backprop_tui.engine.evaluate import eval_expr
from backprop_tui.engine.trace import Trace
from backprop_tui.lang.expr import Expr, Num, size

FD_GRAD_LIMIT = 300
FD_LOCAL_WORK = 5_000  # nodes evaluated per statement at most
FD_LOCAL_LIMIT = 2_000  # assignments: the exact referee's limit too (check.pipeline.EXACT_LIMIT)


def _step(x: float) -> float:
    return 1e-6 * max(1.0, abs(x))


def fd_figures(trace: Trace) -> tuple[dict[str, float | None], dict[tuple[str, str], float | None]]:
    if getattr(trace.program, "script", None):  # a PyTorch script: judged step by step (check.script_check)
        return {}, {}
    return _fd_grads(trace), _fd_locals(trace)


def _fd_locals(trace: Trace) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}
    values = trace.values
    if len(trace.program.assignments) > FD_LOCAL_LIMIT:
        return out
    for a in trace.program.assignments:
        if not a.reads:
            continue
        cheap = size(a.expr) * len(a.reads) <= FD_LOCAL_WORK
        for name in a.reads:
            out[(a.name, name)] = _central(_perturbed(a.expr, values, name), values[name]) if cheap else None
    return out


def _perturbed(expr: Expr, values: dict[str, float], name: str) -> Callable[[float], float]:
    """expr as a function of one name; the shared dict is patched and restored (a copy per call is
    quadratic on a 10,000-statement program)."""

    def f(v: float) -> float:
        saved = values[name]
        values[name] = v
        try:
            return eval_expr(expr, values)
        finally:
            values[name] = saved

    return f


def _fd_grads(trace: Trace) -> dict[str, float | None]:
    program = trace.program
    if len(program.assignments) > FD_GRAD_LIMIT:
        return dict.fromkeys(program.names)
    out: dict[str, float | None] = {}
    stop = program.index[trace.output]  # type: ignore[attr-defined]
    for i, a in enumerate(program.assignments):
        if not trace.requires_grad[a.name]:
            out[a.name] = None
            continue
        if i > stop:
            out[a.name] = 0.0
            continue

        def output_at(v: float, i: int = i) -> float:
            env = dict(trace.values)
            env[program.assignments[i].name] = v
            for later in program.assignments[i + 1: stop + 1]:
                if not isinstance(later.expr, Num):
                    env[later.name] = eval_expr(later.expr, env)
            return env[trace.output]

        out[a.name] = _central(output_at, trace.values[a.name])
    return out


def _central(f: Callable[[float], float], x: float) -> float | None:
    h = _step(x)
    try:
        slope = (f(x + h) - f(x - h)) / (2 * h)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None  # the perturbed point left the domain: no third opinion here
    # a negative base to a fractional power is complex in Python: off the real line, no opinion either
    if isinstance(slope, complex) or not math.isfinite(slope):
        return None
    return slope
