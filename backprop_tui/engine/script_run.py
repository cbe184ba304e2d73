"""A PyTorch script run by the engine (no torch here): its events in order, in float64 or at the program's
own dtypes (engine.float32's op-by-op emulation, which is also what its print lines come from).

Each backward pass walks only its own graph: the tensors its output reads, transitively, through those that
need a gradient, in reverse order of creation; each statement's local derivatives are the ones taken when it
ran (the values it read then). A leaf's .grad is the sum of every pass since it was last None, added in
the leaf's dtype as torch's AccumulateGrad adds it; an update computes its expression under no_grad and
stores the result in the leaf's dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from backprop_tui.engine.evaluate import Local, evaluate
from backprop_tui.engine.snippet_run import grad_fn_name, item_str, tensor_str
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Expr, Num, names_read
from backprop_tui.lang.script import Ask, Backward, Compute, Item, Leaf, Reset, RetainGrad, ScriptProgram, Show, Update


@dataclass
class PassRecord:
    """One backward() call: ∂of/∂node for every node of its graph that needs a gradient (this pass alone),
    and the .grad of each leaf (or retained tensor) it reached, before and after."""

    number: int
    of: str
    event: int  # index in program.script
    order: list[str]  # the graph's tensors that need a gradient, in order of creation
    grads: dict[str, float]
    before: dict[str, float | None]
    after: dict[str, float]


@dataclass
class ScriptRun:
    values: dict[str, float]  # every tensor when created (a leaf: its first value)
    requires: dict[str, bool]
    locals: dict[str, list[Local]]  # a computed tensor -> ∂it/∂each name it read, when it ran
    read_values: dict[str, dict[str, float]]  # a computed tensor -> the values it read (and its own)
    passes: list[PassRecord] = field(default_factory=list)
    updates: dict[int, tuple[float, float]] = field(default_factory=dict)  # event -> (leaf before, after)
    update_reads: dict[tuple[int, str], float] = field(default_factory=dict)  # (event, name) -> value read
    resets: dict[int, float | None] = field(default_factory=dict)  # event -> the .grad before
    queries: dict[str, float | None] = field(default_factory=dict)
    printed: list[str] = field(default_factory=list)
    final: dict[str, float] = field(default_factory=dict)  # each leaf's value at the end
    grads: dict[str, float | None] = field(default_factory=dict)  # each .grad at the end


class Float64:
    """The engine's own figures: the per-op rules in float64 (engine.evaluate), domain errors as BadInput."""

    def __init__(self, program: ScriptProgram) -> None:
        self.program = program

    def forward(self, a: Assignment, env: dict[str, float], requires: dict[str, bool]) -> tuple[float, list[Local]]:
        return evaluate(a, env, requires)

    def update(self, expr: Expr, env: dict[str, float], leaf: str, event: Update) -> float:
        a = Assignment(leaf, expr, event.at.line, event.at.col, event.source, False, names_read(expr))
        value, _ = evaluate(a, env, dict.fromkeys(a.reads, False))
        return value

    def add(self, before: float | None, g: float, name: str) -> float:
        return g if before is None else before + g

    def store(self, value: float, name: str) -> float:
        return value

    def backward(self, order: list[str], of: str, locals_of: dict[str, list[Local]], requires: dict[str, bool],
                 ) -> dict[str, float]:
        acc: dict[str, float] = {of: 1.0}
        for name in reversed(order):
            g = acc.get(name)
            if g is None or name not in locals_of:
                continue
            if not math.isfinite(g):
                raise BadInput(f"grad({name}) = ∂{of}/∂{name} overflows to {g}: the chain rule's product is too "
                               "large for a float")
            for loc in locals_of[name]:
                if requires.get(loc.wrt, False):
                    acc[loc.wrt] = acc.get(loc.wrt, 0.0) + g * loc.value
        return acc


class AtDtypes(Float64):
    """What torch computes at the program's own dtypes (engine.float32): every result rounded to its dtype."""

    def __init__(self, program: ScriptProgram) -> None:
        super().__init__(program)
        from backprop_tui.lang.torch_dtypes import program_dtypes

        self.dtype_of = program_dtypes(program)
        self.statements: dict[str, Any] = {}

    def forward(self, a: Assignment, env: dict[str, float], requires: dict[str, bool]) -> tuple[float, list[Local]]:
        from backprop_tui.engine.float32 import Statement, rnd

        st = Statement(a.expr, env, self.dtype_of, requires)
        self.statements[a.name] = st
        detached = Statement(a.expr, env, self.dtype_of, dict.fromkeys(a.reads, True))
        got: dict[str, float] = {}
        detached.backward(1.0, got, self.dtype_of)
        return rnd(st.value[id(a.expr)], self.dtype_of(a.name)), [Local(a.name, n, got.get(n, 0.0), False)
                                                                  for n in a.reads]

    def update(self, expr: Expr, env: dict[str, float], leaf: str, event: Update) -> float:
        from backprop_tui.engine.float32 import Statement, rnd

        st = Statement(expr, env, self.dtype_of, {n: False for n in names_read(expr)})
        return rnd(st.value[id(expr)], self.dtype_of(leaf))

    def add(self, before: float | None, g: float, name: str) -> float:
        from backprop_tui.engine.float32 import rnd

        g = rnd(g, self.dtype_of(name))
        return g if before is None else rnd(before + g, self.dtype_of(name))

    def store(self, value: float, name: str) -> float:
        from backprop_tui.engine.float32 import rnd

        return rnd(value, self.dtype_of(name))

    def backward(self, order: list[str], of: str, locals_of: dict[str, list[Local]], requires: dict[str, bool],
                 ) -> dict[str, float]:
        acc: dict[str, float] = {of: 1.0}
        for name in reversed(order):
            g = acc.get(name)
            if g is not None and name in self.statements and requires[name]:
                self.statements[name].backward(g, acc, self.dtype_of)
        return acc


def run_script(program: ScriptProgram, at_dtypes: bool = False, sync: dict[str, Any] | None = None) -> ScriptRun:
    """Every event of the script, in order (see the module's docstring); BadInput where a value or gradient
    has no place in a step (a domain error, an overflow in the float64 run).

    `sync`: torch's own run at the same precision (check.torch_script). Each figure is then the engine's own,
    computed from torch's inputs: after every step the engine carries on from torch's value (a leaf after an
    update, a .grad after a pass, a tensor after its statement), so a rounding difference in one step is
    judged there and never compounds over the iterations. The printed lines then show the engine's own
    figures."""
    arith = AtDtypes(program) if at_dtypes else Float64(program)
    env: dict[str, float] = {}  # every name's value now (leaves change in place; views follow them)
    shown_env: dict[str, float] = env if sync is None else {}  # the engine's own figures, for its prints
    run = ScriptRun({}, {}, {}, {})
    grads: dict[str, float | None] = {}
    shown_grads: dict[str, float | None] = grads if sync is None else {}
    retained: set[str] = set()
    leaves: set[str] = set()
    index: dict[str, int] = {}  # creation order
    views = program.views

    def settle(name: str, mine: float, theirs: Any) -> None:
        shown_env[name] = mine
        env[name] = mine if sync is None or theirs is None else theirs

    passes = iter(sync["passes"]) if sync is not None else None
    for i, event in enumerate(program.script):
        if isinstance(event, Leaf):
            value = arith.store(env[event.copy_of] if event.copy_of else event.value or 0.0, event.name)  # type: ignore[arg-type]
            run.values[event.name] = value
            settle(event.name, value, sync["values"].get(event.name) if sync else None)
            run.requires[event.name] = event.requires
            leaves.add(event.name)
            index[event.name] = len(index)
        elif isinstance(event, Compute):
            a = event.assignment
            _views_now(a.reads, views, env, grads, run.queries)
            requires = {n: run.requires.get(n, False) for n in a.reads}
            value, locs = arith.forward(a, env, requires)
            run.values[a.name] = value
            run.requires[a.name] = not event.no_grad and any(requires.values())
            run.locals[a.name] = locs
            run.read_values[a.name] = {n: env[n] for n in a.reads} | {a.name: value}
            settle(a.name, value, sync["values"].get(a.name) if sync else None)
            index[a.name] = len(index)
        elif isinstance(event, Backward):
            order = _graph(event.of, run, index)
            got = arith.backward(order, event.of, run.locals, run.requires)
            record = PassRecord(event.number, event.of, i, order, {n: got.get(n, 0.0) for n in order}, {}, {})
            theirs = next(passes)["after"] if passes is not None else {}
            for name in order:
                if name in leaves or name in retained:
                    record.before[name] = grads.get(name)
                    record.after[name] = arith.add(grads.get(name), record.grads[name], name)
                    shown_grads[name] = record.after[name]
                    grads[name] = theirs.get(name, record.after[name])
            run.passes.append(record)
        elif isinstance(event, Ask):
            q = event.query
            order = _graph(q.of, run, index)
            got = arith.backward(order, q.of, run.locals, run.requires)
            run.queries[q.label] = got.get(q.wrt, 0.0) if q.wrt in order else None
            for name in _on_paths(order, q.wrt, run) & retained:  # torch runs retain_grad's hook here too
                shown_grads[name] = grads[name] = arith.add(grads.get(name), got.get(name, 0.0), name)
        elif isinstance(event, Update):
            reads = names_read(event.expr)
            _views_now(reads, views, env, grads, run.queries)
            run.update_reads.update({(i, n): env[n] for n in reads})
            before = env[event.leaf]
            mine = arith.update(event.expr, env, event.leaf, event)
            run.updates[i] = (before, mine)
            settle(event.leaf, mine, sync["updates"].get(str(i)) if sync else None)
        elif isinstance(event, Reset):
            run.resets[i] = grads.get(event.leaf)
            grads[event.leaf] = shown_grads[event.leaf] = None if event.to_none else 0.0
        elif isinstance(event, RetainGrad):
            retained.add(event.name)
        elif isinstance(event, Show):
            run.printed.append(" ".join(_item_text(it, program, shown_env, shown_grads, run) for it in event.items))
    run.final = {n: env[n] for n in sorted(leaves, key=index.__getitem__)}
    run.grads = dict(grads)
    return run


def _views_now(reads: tuple[str, ...], views: dict[str, tuple[str, str]], env: dict[str, float],
               grads: dict[str, float | None], queries: dict[str, float | None]) -> None:
    """`w.grad`, `x.detach()` and a query's answer read now: what they stand for at this moment."""
    for name in reads:
        if name in views:
            kind, owner = views[name]
            env[name] = (grads.get(owner) or 0.0) if kind == "grad" else \
                (queries.get(owner) or 0.0) if kind == "query" else env[owner]


def _graph(of: str, run: ScriptRun, index: dict[str, int]) -> list[str]:
    """The tensors of `of`'s graph that need a gradient, in order of creation (of's own included)."""
    seen = {of}
    stack = [of]
    while stack:
        name = stack.pop()
        for loc in run.locals.get(name, ()):
            if run.requires.get(loc.wrt, False) and loc.wrt not in seen:
                seen.add(loc.wrt)
                stack.append(loc.wrt)
    return sorted(seen, key=index.__getitem__)


def _on_paths(order: list[str], wrt: str, run: ScriptRun) -> set[str]:
    """The tensors of the graph through which a gradient flows to `wrt` (wrt included)."""
    found = {wrt}
    for name in order:
        if any(loc.wrt in found for loc in run.locals.get(name, ())):
            found.add(name)
    return found if wrt in order else set()


def _item_text(item: Item, program: ScriptProgram, env: dict[str, float], grads: dict[str, float | None],
               run: ScriptRun) -> str:
    """What torch prints for one item (engine.snippet_run's formats of a 0-dim tensor)."""
    kind, name = item.kind, item.name
    dtypes = program.dtypes
    if kind in ("text", "number"):
        return item.text
    if kind == "none":
        return "None"
    if kind == "join":
        return "".join(_item_text(p, program, env, grads, run) for p in item.parts)
    if kind in ("query", "query_item"):
        q = next(q for q in program.queries if q.label == name)
        value, dtype = run.queries.get(name), dtypes.get(q.wrt, "float32")
    elif kind in ("grad", "grad_item"):
        value, dtype = grads.get(name), dtypes.get(name, "float32")
    else:
        value, dtype = env[name], dtypes.get(name, "float32")
    if value is None:
        return "None"
    if kind in ("item", "grad_item", "query_item"):
        text = item_str(value, dtype)
        return format(float(text), item.spec) if item.spec else text
    if kind == "tensor" and run.requires.get(name):
        a = program.get(name)
        if not isinstance(a.expr, Num):
            return tensor_str(value, dtype, grad_fn=grad_fn_name(a.expr))  # type: ignore[arg-type]
        return tensor_str(value, dtype, requires_grad=True)
    return tensor_str(value, dtype)
