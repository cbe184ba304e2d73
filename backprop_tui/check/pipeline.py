"""One check of a chain or snippet program, for every front end: requests to the referee, then the verdicts.

    check = ChainCheck(referee, program)          # the requests go at once ("chain"; a snippet also "snippet")
    exact = exact_for(program, output)            # meanwhile: the exact referee (None past EXACT_LIMIT)
    trace = check.finish(build_trace(program), fd=..., exact=exact)

`judge` puts the verdict on every step (check.verdict): torch within the tight tolerance, else the exact
value with the step's rounding bound; it fills each step's exact value and the digits the engine keeps
(every step up to EXACT_LIMIT variables, and beyond that only where a verdict needed the exact referee).
For a snippet it also sets each step's float32 figures (the engine's emulation beside torch's run at the
program's dtypes, within check.verdict.float32_agree) and a sentence where float32 overflowed, underflowed
or saturated.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from backprop_tui.check.figures import Figures, apply_check, figures_from_json, figures_from_lists
from backprop_tui.check.verdict import decide, float32_agree
from backprop_tui.engine.step import Step
from backprop_tui.engine.trace import Trace
from backprop_tui.lang.program import Program

EXACT_LIMIT = 2000  # variables: the exact referee covers every step up to here, beyond only where needed


class ChainCheck:
    def __init__(self, referee: Any, program: Program, fd: bool = False) -> None:
        from backprop_tui.lang.wire import encode

        wire = encode(program)
        self.program = program
        self.script = bool(getattr(program, "script", None))  # a PyTorch script: torch replays it (snippet kind)
        self._chain: Future[dict[str, Any]] | None = None if self.script else \
            referee.submit("chain", program=wire, fd=fd, compact=not fd)
        self._snippet: Future[dict[str, Any]] | None = (
            referee.submit("snippet", program=wire) if program.dialect == "torch" else None)

    def figures(self) -> Figures:
        """Waits for torch; raises check.protocol.RefereeError if it failed."""
        assert self._chain is not None
        reply = self._chain.result()
        figures = figures_from_lists(reply["lists"], self.program) if "lists" in reply else \
            figures_from_json(reply["figures"])
        if self._snippet is not None:
            figures = replace(figures, at_dtypes=self._snippet.result())
        return figures

    def finish(self, trace: Trace, fd: tuple[dict, dict] | None = None, exact: Any = None) -> Trace:
        if self.script:  # every step judged from torch's replay of the script (check.script_check)
            from backprop_tui.check.script_check import judge_script

            assert self._snippet is not None
            return judge_script(trace, self._snippet.result())  # type: ignore[arg-type]
        figures = self.figures()
        if fd is not None:
            figures = replace(figures, fd_grads=fd[0], fd_locals=fd[1])
        return judge(trace, figures, exact)


def exact_for(program: Program, output: str | None = None) -> Any:
    """The exact referee's figures for a program of up to EXACT_LIMIT variables (else None: lazily, later;
    a script's steps call it on demand, check.script_exact)."""
    if len(program.assignments) > EXACT_LIMIT or getattr(program, "script", None):
        return None
    from backprop_tui.check.exact import exact_figures

    return exact_figures(program, output)


def step_key(s: Step) -> object:
    if s.phase == "forward":
        return s.target
    if s.phase == "local":
        return (s.target, s.wrt or "")
    return ("grad", s.target)


def judge(trace: Trace, figures: Figures, exact: Any = None) -> Trace:
    """Every step's verdict (see the module's docstring)."""
    checked = apply_check(trace, figures)
    program = trace.program
    failing = [s for s in checked.steps if s.ok is False]
    if exact is None and (failing or len(program.assignments) <= EXACT_LIMIT):
        from backprop_tui.check.exact import exact_figures

        exact = exact_figures(program, trace.output)
    f32 = _Float32(trace, figures) if figures.at_dtypes is not None else None
    bounds = None
    if failing or (f32 is not None and f32.active):  # the float32 check scales each step's bound too
        from backprop_tui.check.bounds import rounding_bounds

        bounds = rounding_bounds(program, trace.output, trace.values)
    if exact is None and f32 is None:
        return checked
    steps = [_judged(s, exact, bounds, f32) for s in checked.steps]
    figures = replace(figures, exact=exact, engine32=f32.run if f32 else None)
    return replace(checked, steps=tuple(steps), figures=figures)


def _bound(bounds: Any, s: Step) -> float | None:
    if bounds is None:
        return None
    if s.phase == "forward":
        return bounds.values.get(s.target)
    if s.phase == "local":
        return bounds.locals.get((s.target, s.wrt or ""))
    return bounds.grads.get(s.target)


def _judged(s: Step, exact: Any, bounds: Any, f32: _Float32 | None) -> Step:
    from backprop_tui.check.exact import digits_kept

    if s.phase not in ("forward", "local", "backward"):
        return s
    key = step_key(s)
    x = exact.precise.get(key) if exact is not None else None
    changes: dict[str, Any] = {}
    if x is not None:
        changes["exact_value"] = float(x)
        changes["digits"] = digits_kept(s.value, x)
    if s.ok is False and s.value is not None and s.torch_value is not None:
        verdict, note = decide(s.value, s.torch_value, x, _bound(bounds, s))
        changes.update(verdict=verdict, note=note, ok=verdict == "exact")
    if f32 is not None:
        changes.update(f32.step(s, _bound(bounds, s), x))
    return replace(s, **changes) if changes else s


class _Float32:
    """The snippet's float32 figures: the engine's emulation against torch's run at the program's dtypes."""

    def __init__(self, trace: Trace, figures: Figures) -> None:
        from backprop_tui.engine.float32 import run_at_dtypes
        from backprop_tui.engine.float32_effects import Float32Effects

        program = trace.program
        self.run = run_at_dtypes(program, trace.output)
        self.theirs = figures.at_dtypes or {}
        self.their_locals = {(of, wrt): v for of, wrt, v in self.theirs.get("locals", [])}
        self.active = any(d == "float32" for d in self.run.dtype.values())
        self.effects = Float32Effects(program, self.run) if self.active else None
        self.trace = trace

    def figures(self, s: Step) -> tuple[float | None, float | None]:
        if s.phase == "forward":
            return self.run.values.get(s.target), self.theirs.get("values", {}).get(s.target)
        if s.phase == "local":
            key = (s.target, s.wrt or "")
            return self.run.locals.get(key), self.their_locals.get(key)
        return self.run.grads.get(s.target), self.theirs.get("grads", {}).get(s.target)

    def step(self, s: Step, bound: float | None, exact: Any) -> dict[str, Any]:
        if not self.active:
            return {}
        mine, theirs = self.figures(s)
        changes: dict[str, Any] = {"value32": mine, "torch_value32": theirs}
        rel = 0.0
        if bound is not None and exact:
            rel = bound / abs(float(exact))
        notes = [s.note] if s.note else []
        if not float32_agree(mine, theirs, rel):
            changes["ok"] = False
            changes["verdict"] = "disagree"
            notes.append(f"float32: the engine's {mine!r} and torch's {theirs!r} differ beyond rounding")
        assert self.effects is not None
        effect = self.effects.forward(s.target) if s.phase == "forward" else \
            self.effects.gradient(theirs if theirs is not None else mine, s.value,
                                  s.target if s.phase == "local" else None)
        if effect:
            notes.append(effect)
        changes["note"] = "; ".join(notes)
        return changes
