"""The step list of a PyTorch script (lang.script): every event in the order it runs.

- a leaf or a computed tensor: one **forward** step (inside a loop, named with its iteration: `loss@2`);
- each `backward()`: a **backward pass**, numbered by its call (and tagged with its loop iteration): first
  the **local** derivatives of the statements its graph holds that no earlier pass showed, then one
  **backward** step per tensor of its graph that needs a gradient, in reverse order of creation. A leaf's
  step shows the accumulation into .grad: `grad(x) = … = 4.5; x.grad = 4.5 (before) + 4.5 (this pass) = 9`;
- each update under `torch.no_grad()`: an **update** step with its arithmetic,
  `w = w - lr·grad(w) = 0.5 - 0.05·2 = 0.4`;
- each `w.grad.zero_()` or `w.grad = None`: a **reset** step.

Prints and `torch.autograd.grad` queries are not steps: each print line records the step after which it
appears (`print_at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backprop_tui import limits
from backprop_tui.engine import symbolic as S
from backprop_tui.engine.evaluate import Local
from backprop_tui.engine.script_run import ScriptRun, run_script
from backprop_tui.engine.step import Step
from backprop_tui.engine.trace import Trace, _paren, backward_formula, forward_formula, local_formula, symbolic_partials
from backprop_tui.lang.expr import Expr, Ref, postorder
from backprop_tui.lang.script import Backward, Compute, Leaf, Reset, ScriptProgram, Show, Update
from backprop_tui.numbers import short


@dataclass(frozen=True)
class ScriptTrace(Trace):
    """A Trace of a script: `values` holds every tensor when created, `grads` each .grad at the end (None
    where there is none), `run` the engine's float64 run, `print_at` the steps taken before each printed
    line appears."""

    run: ScriptRun | None = None
    print_at: tuple[int, ...] = ()
    events: tuple[int, ...] = field(default=())  # each step's event index in program.script
    frame_keys: list = field(default_factory=list, compare=False)  # a front end's cache (tui.script_view)


def build_script_trace(program: ScriptProgram) -> ScriptTrace:
    run = run_script(program)
    steps, events, print_at = _steps(program, run)
    locals_ = [loc for locs in run.locals.values() for loc in locs]
    consumers: dict[str, list[Local]] = {n: [] for n in program.names}
    for loc in locals_:
        consumers.setdefault(loc.wrt, []).append(loc)
    grads = {n: run.grads.get(n) for n in program.names}
    return ScriptTrace(program, program.output, dict(run.values), locals_, grads, dict(run.requires), tuple(steps),
                       consumers, run=run, print_at=tuple(print_at), events=tuple(events))


def _steps(program: ScriptProgram, run: ScriptRun) -> tuple[list[Step], list[int], list[int]]:
    steps: list[Step] = []
    events: list[int] = []
    print_at: list[int] = []
    shown_locals: set[str] = set()
    passes = iter(run.passes)

    def add(i: int, **fields: object) -> None:
        steps.append(Step(len(steps), **fields))  # type: ignore[arg-type]
        events.append(i)
        if len(steps) > limits.STEPS:
            raise limits.over("STEPS", None, "the number of steps this program needs (its loops unrolled)",
                              "run fewer iterations")

    for i, event in enumerate(program.script):
        it = event.at.iteration
        if isinstance(event, Leaf):
            v = run.values[event.name]
            text = f"{event.name} = {event.copy_of}.detach() = {short(v)}" if event.copy_of else \
                f"{event.name} = {short(v)}"
            add(i, phase="forward", target=event.name, value=v, iteration=it,
                formula=text + ("" if event.requires else "  (constant)"))
        elif isinstance(event, Compute):
            a = event.assignment
            formula = forward_formula(a, run.read_values[a.name], {})
            if event.no_grad:
                formula += "  (under torch.no_grad(): no gradient)"
            add(i, phase="forward", target=a.name, formula=formula, value=run.values[a.name], iteration=it)
        elif isinstance(event, Backward):
            record = next(passes)
            for name in record.order:  # this pass's local derivatives, the first time a pass uses them
                if name in shown_locals or name not in run.locals:
                    continue
                shown_locals.add(name)
                a = program.get(name)
                partials = symbolic_partials(a)
                for loc in run.locals[name]:
                    formula = local_formula(a, loc, partials.get(loc.wrt), run.read_values[name], {})
                    add(i, phase="local", target=name, formula=formula, value=loc.value, wrt=loc.wrt,
                        nondiff=loc.nondiff, iteration=it, backward_pass=record.number)
            for name in reversed(record.order):
                value, formula, terms = _pass_step(name, record, run)
                add(i, phase="backward", target=name, formula=formula, value=value, terms=terms, iteration=it,
                    backward_pass=record.number, nondiff=any(loc.nondiff for loc in _uses(name, record, run)))
        elif isinstance(event, Update):
            before, after = run.updates[i]
            add(i, phase="update", target=event.leaf, formula=_update_formula(event, before, after, run, i),
                value=after, iteration=it)
        elif isinstance(event, Reset):
            before = run.resets[i]
            if event.to_none:
                formula = f"{event.leaf}.grad = None: grad({event.leaf}) was {short(before)}; the next backward() " \
                          "starts it afresh"
                add(i, phase="reset", target=event.leaf, formula=formula, value=None, iteration=it)
            else:
                formula = f"{event.leaf}.grad.zero_(): grad({event.leaf}) = {short(before)} → 0"
                add(i, phase="reset", target=event.leaf, formula=formula, value=0.0, iteration=it)
        elif isinstance(event, Show):
            print_at.append(len(steps))
    return steps, events, print_at


def _uses(name: str, record, run: ScriptRun) -> list[Local]:
    members = set(record.order)
    return [loc for of in record.order if of in run.locals for loc in run.locals[of]
            if loc.wrt == name and of in members]


def _pass_step(name: str, record, run: ScriptRun) -> tuple[float, str, tuple[tuple[str, float, float], ...]]:
    """(value, formula, terms) of one tensor's step in a backward pass; a leaf's value is its new .grad."""
    g = record.grads[name]
    if name == record.of:
        text, terms = f"grad({name}) = 1  (the output of this backward(): ∂{name}/∂{name})", ()
    else:
        terms = tuple((loc.of, record.grads[loc.of], loc.value) for loc in _uses(name, record, run))
        text = backward_formula(name, terms, g)
    if name not in record.after:
        return g, text, terms
    before, after = record.before[name], record.after[name]
    if before is None:
        return after, f"{text}; {name}.grad = {short(after)} (it was None)", terms
    return after, f"{text}; {name}.grad = {short(before)} (before) + {_paren(g)} (this pass) = {short(after)}", terms


def _update_formula(event: Update, before: float, after: float, run: ScriptRun, i: int) -> str:
    """`w = w - lr·grad(w) = 0.5 - 0.05·2 = 0.4`: the display form, then the numbers it read."""
    texts: dict[int, str] = {}
    for shown, used in zip(postorder(event.shape), postorder(event.expr), strict=True):
        if isinstance(shown, Ref):
            texts[id(shown)] = short(before) if shown.name == event.leaf else _value_text(used, run, i)
    shape = S.render(event.shape) or event.source
    numbers = S.render(event.shape, lambda node: texts.get(id(node)))
    return f"{event.leaf} = {shape} = {numbers} = {short(after)}"


def _value_text(node: Expr, run: ScriptRun, i: int) -> str:
    from backprop_tui.lang.expr import Num

    if isinstance(node, Num):
        return short(node.value)
    return short(run.update_reads.get((i, node.name)) if isinstance(node, Ref) else None)
