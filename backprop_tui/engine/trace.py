"""Build the trace of a program: values, statement-level locals, gradients, and the ordered steps."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backprop_tui import limits
from backprop_tui.engine import symbolic as S
from backprop_tui.engine.evaluate import Local, evaluate
from backprop_tui.engine.rules import RULES
from backprop_tui.engine.step import Step
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, postorder, size
from backprop_tui.lang.program import Program
from backprop_tui.numbers import short

if TYPE_CHECKING:
    from backprop_tui.engine.formulas import Templates

MAX_TERMS_SHOWN = 8
SYMBOLIC_BUDGET = 120


@dataclass(frozen=True)
class Trace:
    program: Program
    output: str
    values: dict[str, float]
    locals: list[Local]  # every statement-level partial, in source order
    grads: dict[str, float | None]  # ∂output/∂name; None for constants
    requires_grad: dict[str, bool]
    steps: tuple[Step, ...]
    consumers: dict[str, list[Local]] = field(default_factory=dict)  # edges out of each name
    figures: Any = None  # check.Figures once the referees have answered

    @property
    def checked(self) -> bool:
        return self.figures is not None

    @property
    def ok(self) -> bool:
        """Every step agrees with torch (False while unchecked)."""
        return self.checked and all(s.ok for s in self.steps if s.ok is not None)

    @property
    def names(self) -> list[str]:
        return self.program.names


def build_trace(program: Program, output: str | None = None) -> Trace:
    """The values, locals, gradients and steps of `program`; BadInput beyond limits.STEPS steps. A PyTorch
    script (backward(), loops, updates: lang.script) has its own step list (engine.script_trace)."""
    if getattr(program, "script", None):
        from backprop_tui.engine.script_trace import build_script_trace

        return build_script_trace(program)  # type: ignore[arg-type]
    check_size(program)
    out = output or program.output
    values: dict[str, float] = {}
    requires: dict[str, bool] = {}
    all_locals: list[Local] = []
    by_of: dict[str, list[Local]] = {}
    consumers: dict[str, list[Local]] = {a.name: [] for a in program.assignments}
    for a in program.assignments:
        requires[a.name] = (not a.constant) if a.is_leaf else any(requires[n] for n in a.reads)
        values[a.name], locs = evaluate(a, values, requires)
        by_of[a.name] = locs
        all_locals.extend(locs)
        for loc in locs:
            consumers[loc.wrt].append(loc)
    grads = backward(program, out, by_of, requires)
    steps = _steps(program, out, values, by_of, consumers, grads)
    return Trace(program, out, values, all_locals, grads, requires, steps, consumers)


def check_size(program: Program) -> None:
    """Refuse, before any work, a program whose trace would exceed the budget table's step cap: one
    forward and one backward step per variable, one local step per name each statement reads."""
    limits.check("STATEMENTS", len(program.assignments), "the number of statements", "split the program")
    steps = 2 * len(program.assignments) + sum(len(a.reads) for a in program.assignments)
    limits.check("STEPS", steps, "the number of steps this program needs", "split the program")


def backward(program: Program, of: str, by_of: dict[str, list[Local]], requires: dict[str, bool],
             ) -> dict[str, float | None]:
    """∂of/∂name for every name: reverse source order, each node's gradient pushed to its inputs."""
    grads: dict[str, float | None] = {}
    acc: dict[str, float] = dict.fromkeys(program.names, 0.0)
    acc[of] = 1.0
    stop = program.index[of]  # type: ignore[attr-defined]
    for i in range(len(program.assignments) - 1, -1, -1):
        name = program.assignments[i].name
        grads[name] = acc[name] if requires[name] else None
        if i > stop or not requires[name]:
            continue
        g = acc[name]
        if not math.isfinite(g):  # each factor finite, their product not: inf or NaN has no place in a step
            a = program.assignments[i]
            raise BadInput(f"grad({name}) = ∂{of}/∂{name} overflows to {g}: the chain rule's product is too "
                           "large for a float", a.line, a.col, a.text)
        if g != 0.0:
            for loc in by_of[name]:
                if requires[loc.wrt]:  # a partial into a constant may be undefined (nan) and is never used
                    acc[loc.wrt] += g * loc.value
    return {name: grads[name] for name in program.names}


# -- steps ------------------------------------------------------------------------------------------
def _steps(program: Program, out: str, values: dict[str, float], by_of: dict[str, list[Local]],
           consumers: dict[str, list[Local]], grads: dict[str, float | None]) -> tuple[Step, ...]:
    steps: list[Step] = []
    aliases = _aliases(program)
    if not aliases:  # no softmax: formulas by template, one rendering per statement shape
        from backprop_tui.engine.formulas import Templates

        templates = Templates(SYMBOLIC_BUDGET, symbolic_partials)
        shorts = _shorts(values)
        for a in program.assignments:
            steps.append(Step(len(steps), "forward", a.name, _forward_by_template(a, shorts, templates),
                              values[a.name]))
        for a in program.assignments:
            for loc in by_of[a.name]:
                formula = _local_by_template(a, loc, shorts, templates, values)
                steps.append(Step(len(steps), "local", a.name, formula, loc.value, loc.wrt, loc.nondiff))
    else:
        for a in program.assignments:
            steps.append(Step(len(steps), "forward", a.name, forward_formula(a, values, aliases), values[a.name]))
        for a in program.assignments:
            if not by_of[a.name]:
                continue
            symbolic = symbolic_partials(a)
            for loc in by_of[a.name]:
                formula = local_formula(a, loc, symbolic.get(loc.wrt), values, aliases)
                steps.append(Step(len(steps), "local", a.name, formula, loc.value, loc.wrt, loc.nondiff))
    stop = program.index[out]  # type: ignore[attr-defined]
    for a in reversed(program.assignments):
        steps.append(_backward_step(len(steps), a, out, stop, program, consumers, grads))
    return tuple(steps)


def _backward_step(index: int, a: Assignment, out: str, stop: int, program: Program,
                   consumers: dict[str, list[Local]], grads: dict[str, float | None]) -> Step:
    name, g = a.name, grads[a.name]
    if g is None:
        why = "a constant" if a.is_leaf else "computed from constants only"
        return Step(index, "backward", name, f"grad({name}): none, {name} is {why} (no requires_grad)", None)
    if name == out:
        return Step(index, "backward", name, f"grad({name}) = 1  (the output: ∂{name}/∂{name})", 1.0)
    if program.index[name] > stop:  # type: ignore[attr-defined]
        return Step(index, "backward", name, f"grad({name}) = 0  ({name} comes after the output {out})", 0.0)
    uses = [loc for loc in consumers[name] if program.index[loc.of] <= stop]  # type: ignore[attr-defined]
    if not uses:
        return Step(index, "backward", name, f"grad({name}) = 0  ({out} does not depend on {name})", 0.0)
    terms = tuple((loc.of, grads[loc.of] or 0.0, loc.value) for loc in uses)
    nondiff = any(loc.nondiff for loc in uses)
    return Step(index, "backward", name, backward_formula(name, terms, g), g, nondiff=nondiff, terms=terms)


def backward_formula(name: str, terms: tuple[tuple[str, float, float], ...], value: float) -> str:
    shown = terms[:MAX_TERMS_SHOWN]
    more = len(terms) - len(shown)
    tail = f" + … ({more} more)" if more else ""
    symbols = " + ".join(f"grad({of})·∂{of}/∂{name}" for of, _, _ in shown) + tail
    numbers = " + ".join(f"{_paren(g)}·{_paren(d)}" for _, g, d in shown) + tail
    return f"grad({name}) = {symbols} = {numbers} = {short(value)}"


def _paren(v: float) -> str:
    text = short(v)
    return f"({text})" if text.startswith("-") else text


def _aliases(program: Program) -> dict[tuple[int, int], str]:
    """Softmax outputs by (args identity, index), so p1's derivative can say p2, not softmax(...)₂."""
    out = {}
    for a in program.assignments:
        if isinstance(a.expr, Op) and a.expr.op == "softmax":
            out[(id(a.expr.args), a.expr.index)] = a.name
    return out


def _alias_of(node: Expr, aliases: dict[tuple[int, int], str]) -> str | None:
    if isinstance(node, Op) and node.op == "softmax":
        return aliases.get((id(node.args), node.index))
    return None


def forward_formula(a: Assignment, values: dict[str, float], aliases: dict[tuple[int, int], str]) -> str:
    if isinstance(a.expr, Num):
        return f"{a.name} = {short(a.expr.value)}" + ("  (constant)" if a.constant else "")
    shape = S.render(a.expr)
    numbers = S.render(a.expr, _substitute(values, aliases, root=None, skip=a.expr))
    value = short(values[a.name])
    if shape is None or numbers is None:
        return f"{a.name} = ({size(a.expr)} terms) = {value}"
    if numbers == value or isinstance(a.expr, Ref):
        return f"{a.name} = {shape} = {value}"
    return f"{a.name} = {shape} = {numbers} = {value}"


def _forward_by_template(a: Assignment, shorts: _ShortValues, templates: Templates) -> str:
    """forward_formula's text, rendered once per statement shape (engine.formulas)."""
    if isinstance(a.expr, Num | Ref):
        return forward_formula(a, shorts.values, {})
    from backprop_tui.engine.formulas import fill

    key, canon, _ = templates.shape_of(a)
    signs = (*(shorts[n].startswith("-") for n in a.reads), False)
    shape_t = templates.render(key, canon.expr, canon, None, False, 4000)
    numbers_t = templates.render(key, canon.expr, canon, signs, False, 4000)
    value = shorts[a.name]
    if shape_t is None or numbers_t is None:
        return f"{a.name} = ({size(a.expr)} terms) = {value}"
    shape = fill(shape_t, a.reads, a.name)  # type: ignore[arg-type]
    numbers = fill(numbers_t, [shorts[n] for n in a.reads], value)
    if numbers == value:
        return f"{a.name} = {shape} = {value}"
    return f"{a.name} = {shape} = {numbers} = {value}"


def _local_by_template(a: Assignment, loc: Local, shorts: _ShortValues, templates: Templates,
                       values: dict[str, float]) -> str:
    """local_formula's text, rendered once per statement shape and input (engine.formulas)."""
    if not math.isfinite(loc.value) or not isinstance(a.expr, Op):
        return local_formula(a, loc, symbolic_partials(a).get(loc.wrt), values, {})
    from backprop_tui.engine.formulas import fill

    key, canon, partials = templates.shape_of(a)
    symbolic = partials.get(f"\x00{a.reads.index(loc.wrt)}\x01")
    head = f"∂{a.name}/∂{loc.wrt}"
    value = short(loc.value)
    kink = "  (non-differentiable point: torch's convention)" if loc.nondiff else ""
    if symbolic is None:
        return f"{head} = {value}{kink}"
    reads = a.reads
    shape_t = templates.render(key, symbolic, canon, None, False, SYMBOLIC_BUDGET)
    if shape_t is None:
        return f"{head} = {value}  (chain rule through the expression){kink}"
    shape = fill(shape_t, reads, a.name)  # type: ignore[arg-type]
    if isinstance(symbolic, Num) or shape == value:
        return f"{head} = {value}{kink}"
    texts = [shorts[n] for n in reads]
    signs = (*(t.startswith("-") for t in texts), shorts[a.name].startswith("-"))
    numbers_t = templates.render(key, symbolic, canon, signs, True, SYMBOLIC_BUDGET)
    numbers = None if numbers_t is None else fill(numbers_t, texts, shorts[a.name])
    if numbers is None or numbers == value or isinstance(symbolic, Ref):
        return f"{head} = {shape} = {value}{kink}"
    return f"{head} = {shape} = {numbers} = {value}{kink}"


def symbolic_partials(a: Assignment) -> dict[str, Expr]:
    """∂(rhs)/∂name as display expressions: adjoints pushed down the tree, summed per occurrence."""
    expr = a.expr
    if not isinstance(expr, Op):
        return {expr.name: S.ONE} if isinstance(expr, Ref) else {}
    adjoint: dict[int, Expr] = {id(expr): S.ONE}
    partial: dict[str, Expr] = {}
    for node in reversed(postorder(expr)):
        g = adjoint.get(id(node))
        if g is None:
            continue
        if isinstance(node, Ref):
            partial[node.name] = S.add(partial[node.name], g) if node.name in partial else g
        elif isinstance(node, Op):
            for arg, local in zip(node.args, RULES[node.op].symbolic(node.args, node), strict=True):
                if isinstance(arg, Num):
                    continue
                term = S.mul(g, local)
                adjoint[id(arg)] = S.add(adjoint[id(arg)], term) if id(arg) in adjoint else term
    return partial


def local_formula(a: Assignment, loc: Local, symbolic: Expr | None, values: dict[str, float],
                  aliases: dict[tuple[int, int], str]) -> str:
    head = f"∂{a.name}/∂{loc.wrt}"
    if not math.isfinite(loc.value):  # a derivative that does not exist here, into a name needing none
        shape = S.render(symbolic, _names(a, aliases), SYMBOLIC_BUDGET) if symbolic is not None else None
        return (f"{head}{' = ' + shape if shape else ''} = {short(loc.value)}: no finite derivative here; "
                f"{loc.wrt} needs no gradient, so nothing uses it")
    value = short(loc.value)
    kink = "  (non-differentiable point: torch's convention)" if loc.nondiff else ""
    if symbolic is None:
        return f"{head} = {value}{kink}"
    shape = S.render(symbolic, _names(a, aliases), SYMBOLIC_BUDGET)
    if shape is None:
        return f"{head} = {value}  (chain rule through the expression){kink}"
    if isinstance(symbolic, Num) or shape == value:
        return f"{head} = {value}{kink}"
    numbers = S.render(symbolic, _substitute(values, aliases, root=a), SYMBOLIC_BUDGET)
    if numbers is None or numbers == value or isinstance(symbolic, Ref):
        return f"{head} = {shape} = {value}{kink}"
    return f"{head} = {shape} = {numbers} = {value}{kink}"


def _names(a: Assignment, aliases: dict[tuple[int, int], str]) -> Callable[[Expr], str | None]:
    root = a.expr

    def leaf(node: Expr) -> str | None:
        if node is root:
            return a.name
        return _alias_of(node, aliases) if aliases else None

    return leaf


class _ShortValues(dict):
    """name -> short(value), each written once (a name appears in many formulas)."""

    def __init__(self, values: dict[str, float]) -> None:
        super().__init__()
        self.values = values

    def __missing__(self, name: str) -> str:
        text = self[name] = short(self.values[name])
        return text


_SHORT_CACHE: dict[int, _ShortValues] = {}


def _shorts(values: dict[str, float]) -> _ShortValues:
    got = _SHORT_CACHE.get(id(values))
    if got is None or got.values is not values:
        _SHORT_CACHE.clear()  # one trace's values at a time
        got = _SHORT_CACHE[id(values)] = _ShortValues(values)
    return got


def _substitute(values: dict[str, float], aliases: dict[tuple[int, int], str], root: Assignment | None,
                skip: Expr | None = None) -> Callable[[Expr], str | None]:
    """Names (and nodes that stand for a name) replaced by their values; `skip` is shown as written."""
    shorts = _shorts(values)
    root_expr = root.expr if root is not None else None

    def leaf(node: Expr) -> str | None:
        if node is skip:
            return None
        if type(node) is Ref:
            return shorts[node.name]
        if node is root_expr:
            return shorts[root.name]  # type: ignore[union-attr]
        if not aliases:
            return None
        alias = _alias_of(node, aliases)
        return shorts[alias] if alias is not None and alias in values else None

    return leaf
