"""The exact referee and the rounding bound for one step of a script, on demand (only where a verdict needs
them): the step's own computation as a plain chain program whose leaves are the values the engine stored
when the step ran, given to check.exact and check.bounds like any chain.

- a forward or local step: the statement alone, its inputs as leaves;
- a backward step: the pass's graph (every statement of it, its other inputs as leaves); a leaf's new
  .grad adds the earlier .grad, which is exact only where there was none (else: no exact figure);
- an update: the update's expression, its inputs (the leaf, its gradient, other tensors) as leaves.
A pass whose statements read one leaf at two different values (an update between them) has no such
program: no exact figure, and the verdict says it cannot decide rather than guess.
"""

from __future__ import annotations

from typing import Any

from backprop_tui.engine.script_trace import ScriptTrace
from backprop_tui.engine.step import Step
from backprop_tui.lang.expr import Assignment, Expr, Num, names_read
from backprop_tui.lang.program import Program
from backprop_tui.lang.script import Update


class ExactOnDemand:
    def __init__(self, trace: ScriptTrace) -> None:
        self.trace = trace
        self.programs: dict[object, tuple[Program, str, dict[str, float]] | None] = {}
        self.exact: dict[object, Any] = {}
        self.bounds: dict[object, Any] = {}

    def figure(self, s: Step) -> tuple[Any, float | None]:
        """(exact figure as mpf or None, the step's absolute rounding bound or None)."""
        key = self._key(s)
        if self._built(s) is None:
            return None, None
        if key not in self.exact:
            from backprop_tui.check.exact import exact_figures

            program, output, _ = self.programs[key]  # type: ignore[misc]
            self.exact[key] = exact_figures(program, output)
        figures = self.exact[key]
        if s.phase == "backward":
            record = self.trace.run.passes[s.backward_pass - 1]  # type: ignore[union-attr, operator]
            if s.target in record.after and record.before.get(s.target) not in (None, 0.0):
                return None, None  # the earlier .grad is the engine's float, not an exact figure
        return figures.precise.get(_figure_key(s)), self.bound(s)

    def bound(self, s: Step) -> float | None:
        """The step's absolute float64 rounding bound (check.bounds), or None where there is no program."""
        key = self._key(s)
        built = self._built(s)
        if built is None:
            return None
        if key not in self.bounds:
            from backprop_tui.check.bounds import rounding_bounds

            self.bounds[key] = rounding_bounds(*built)
        b = self.bounds[key]
        if s.phase in ("forward", "update"):
            return b.values.get("update" if s.phase == "update" else s.target)
        if s.phase == "local":
            return b.locals.get((s.target, s.wrt or ""))
        return b.grads.get(s.target)

    def relative_bound(self, s: Step) -> float:
        """The step's float64 bound relative to its value (0 where none): check.verdict.float32_agree's B."""
        if s.value is None or s.value == 0:
            return 0.0
        bound = self.bound(s)
        return 0.0 if bound is None else bound / abs(s.value)

    def _key(self, s: Step) -> object:
        return ("pass", s.backward_pass) if s.phase == "backward" else ("event", self.trace.events[s.index])

    def _built(self, s: Step) -> tuple[Program, str, dict[str, float]] | None:
        key = self._key(s)
        if key not in self.programs:
            self.programs[key] = self._program(s)
        return self.programs[key]

    def _program(self, s: Step) -> tuple[Program, str, dict[str, float]] | None:
        trace = self.trace
        run = trace.run
        assert run is not None
        if s.phase == "update":
            i = trace.events[s.index]
            event = trace.program.script[i]  # type: ignore[attr-defined]
            assert isinstance(event, Update)
            reads = {n: run.update_reads[(i, n)] for n in names_read(event.expr)}
            return _chain(reads, [("update", event.expr)], "update", run.requires)
        if s.phase in ("forward", "local"):
            if s.target not in run.read_values:
                return None  # a leaf: nothing computed
            a = trace.program.get(s.target)
            reads = {n: v for n, v in run.read_values[s.target].items() if n != s.target}
            return _chain(reads, [(a.name, a.expr)], a.name, run.requires)
        record = run.passes[s.backward_pass - 1]  # type: ignore[operator]
        inputs: dict[str, float] = {}
        statements = []
        for name in record.order:
            if name not in run.read_values:
                continue
            for n, v in run.read_values[name].items():
                if n == name or (n in run.read_values and n in record.order):
                    continue
                if inputs.setdefault(n, v) != v:
                    return None  # the same leaf read at two values in one pass: no single program
            statements.append((name, trace.program.get(name).expr))
        return _chain(inputs, statements, record.of, run.requires)


def _figure_key(s: Step) -> object:
    if s.phase == "forward":
        return s.target
    if s.phase == "update":
        return "update"
    if s.phase == "local":
        return (s.target, s.wrt or "")
    return ("grad", s.target)


def _chain(inputs: dict[str, float], statements: list[tuple[str, Expr]], output: str, requires: dict[str, bool],
           ) -> tuple[Program, str, dict[str, float]]:
    leaves = [Assignment(n, Num(v), 0, 0, "", not requires.get(n, False), ()) for n, v in inputs.items()]
    computed = [Assignment(name, expr, 0, 0, "", False, names_read(expr)) for name, expr in statements]
    values = dict(inputs)
    return Program(tuple(leaves + computed), output), output, values | _forward(computed, values)


def _forward(computed: list[Assignment], values: dict[str, float]) -> dict[str, float]:
    from backprop_tui.engine.evaluate import eval_expr

    out = dict(values)
    for a in computed:
        out[a.name] = eval_expr(a.expr, out)
    return out
