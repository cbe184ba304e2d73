"""What the circuit and the variables table show of a PyTorch script: ONE iteration's graph at a time.

A script repeats its statements (a loop unrolled, a second backward() over the same graph). The circuit
draws the *frame* of the current step: the statements of its loop iteration (their versions, `pred@2`,
`loss@2`, so names match the step list), every leaf with the value it has in that iteration (`w` after
the updates before it), and the gradients of the backward pass in progress (the latest one of that
iteration: a leaf shows its .grad after that pass). Stepping into the next iteration or pass redraws the
circuit with its numbers; steps outside loops belong to the nearest iteration (before the loop: the
first; after it: the last). Pure: no textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backprop_tui.engine.script_trace import ScriptTrace
from backprop_tui.engine.trace import Trace
from backprop_tui.lang.expr import Assignment, Num
from backprop_tui.lang.program import Program
from backprop_tui.lang.script import Compute, Leaf
from backprop_tui.tui.state import StepState

FrameKey = tuple[int | None, int | None]  # (loop iteration, backward pass)


def frame_key(trace: ScriptTrace, k: int) -> FrameKey:
    """The frame step k belongs to (k counts steps taken; 0 is the start)."""
    return frame_keys(trace)[max(0, min(k, len(trace.steps)))]


def frame_keys(trace: ScriptTrace) -> list[FrameKey]:
    """Every k's frame, in one pass over the steps (once per trace: stepping is then a lookup)."""
    if trace.frame_keys:
        return trace.frame_keys  # type: ignore[return-value]
    steps = trace.steps
    iterations: list[int | None] = [s.iteration for s in steps]
    last = None  # outside loops: the nearest iteration, looking back first, else ahead
    for i, it in enumerate(iterations):
        if it is None:
            iterations[i] = last
        else:
            last = it
    ahead = None
    for i in range(len(steps) - 1, -1, -1):
        if steps[i].iteration is not None:
            ahead = steps[i].iteration
        elif iterations[i] is None:
            iterations[i] = ahead
    keys: list[FrameKey] = [(iterations[0] if steps else None, None)]
    latest: dict[int | None, int] = {}  # iteration -> its latest backward pass so far
    for s, it in zip(steps, iterations, strict=True):
        if s.backward_pass is not None:
            latest[s.iteration] = s.backward_pass
        keys.append((it, latest.get(it)))
    trace.frame_keys.extend(keys)
    return keys


@dataclass(frozen=True)
class FrameTrace(Trace):
    """A frame's trace. Its gradients are this pass's (what the chain rule gives on the wire); `accumulated`:
    a leaf's .grad after the pass where an earlier pass left one (the circuit labels it `.grad 9`)."""

    accumulated: dict[str, float] = field(default_factory=dict)


@dataclass
class Frame:
    key: FrameKey
    trace: Trace  # the frame's own program, values and gradients; its steps are the whole script's
    state: StepState


def build_frame(trace: ScriptTrace, key: FrameKey) -> Frame:
    iteration, number = key
    run = trace.run
    assert run is not None
    program = trace.program
    steps_of_pass = [s for s in trace.steps if s.backward_pass == number and number is not None]
    # the iteration's statements, and whatever a step of this frame names (a pass may reach back into an
    # earlier iteration's tensors; an update may change a leaf made elsewhere)
    named = {s.target for s in steps_of_pass} | {s.target for s in trace.steps if s.iteration == iteration}
    computes = [e for e in program.script if isinstance(e, Compute)  # type: ignore[attr-defined]
                and (e.at.iteration in (iteration, None) or e.assignment.name in named)]
    names = {e.assignment.name for e in computes}
    reads: dict[str, float] = {}  # what the frame's statements read from outside them: leaves, views, others
    for e in computes:
        for n in e.assignment.reads:
            if n not in names:
                reads.setdefault(n, run.read_values[e.assignment.name][n])
    leaves = [e for e in program.script if isinstance(e, Leaf)  # type: ignore[attr-defined]
              and (e.at.iteration in (iteration, None) or e.name in named)]
    values: dict[str, float] = {}
    assignments: list[Assignment] = []
    for e in leaves:
        values[e.name] = reads.pop(e.name, run.values[e.name])
        assignments.append(Assignment(e.name, Num(values[e.name]), e.at.line, e.at.col, "", not e.requires, ()))
    for name, value in reads.items():  # a view (w.grad, x.detach()) or another iteration's tensor: an input
        values[name] = value
        assignments.append(Assignment(name, Num(value), 0, 0, "", True, ()))
    for e in computes:
        a = e.assignment
        values[a.name] = run.values[a.name]
        assignments.append(a)
    requires = {a.name: run.requires.get(a.name, False) and a.name not in reads for a in assignments}
    # a gradient slot for every tensor that needs one (shown as ? until the pass reaches it); none for the
    # constants and for the inputs taken from outside the frame
    grads: dict[str, float | None] = {a.name: 0.0 if requires[a.name] else None for a in assignments}
    grads.update({s.target: s.value for s in steps_of_pass if s.phase == "backward"})
    record = next((p for p in run.passes if p.number == number), None)
    accumulated = {}  # a leaf's .grad = before + this pass: the wire shows this pass's share, a label the .grad
    for name, before in (record.before.items() if record is not None else ()):
        if before and name in grads and name in record.grads:
            accumulated[name], grads[name] = record.after[name], record.grads[name]
    locals_ = [loc for e in computes for loc in run.locals[e.assignment.name]]
    consumers: dict[str, list] = {a.name: [] for a in assignments}
    for loc in locals_:
        consumers[loc.wrt].append(loc)
    output = next((s.target for s in steps_of_pass if s.phase == "backward"),
                  computes[-1].assignment.name if computes else assignments[-1].name)
    frame_trace = FrameTrace(Program(tuple(assignments), output, "torch"), output, values, locals_, grads,
                             requires, trace.steps, consumers, trace.figures, accumulated)
    state = _state(frame_trace, {a.name for a in assignments}, number)
    for name, g in grads.items():  # no gradient to wait for: a constant shows — from the start, as in a chain
        if g is None:
            state.grad_at[name] = 0
    return Frame(key, frame_trace, state)


def _state(trace: Trace, members: set[str], number: int | None) -> StepState:
    """The frame's view of the whole step list: each member's forward and local steps (wherever they are),
    its backward step from the frame's pass only."""
    st = StepState(trace)
    for s in trace.steps:
        k = s.index + 1
        if s.phase == "forward" and s.target in members and s.target not in st.value_at:
            st.value_at[s.target], st.value_step[s.target] = k, s
        elif s.phase == "local" and s.target in members:
            key = (s.target, s.wrt or "")
            st.local_at[key], st.local_step[key] = k, s
        elif s.phase == "backward" and s.backward_pass == number and number is not None:
            st.grad_at[s.target], st.grad_step[s.target] = k, s
    return st


def jump_target(trace: ScriptTrace, text: str) -> tuple[int, str] | str:
    """The step to go to for what the learner typed in the `j` dialog: (k, what it is) or why not.

    "3" is iteration 3 where the script loops (the loop variable's value), else backward pass 3;
    "pass 3" / "p3" is always a backward pass, "iteration 3" / "i3" / "@3" always an iteration."""
    words = text.strip().lower().replace("#", " ").replace("@", "iteration ")
    kind = None
    for prefix, what in (("iteration", "iteration"), ("it", "iteration"), ("i", "iteration"),
                         ("backward pass", "pass"), ("pass", "pass"), ("p", "pass")):
        if words.startswith(prefix) and words[len(prefix):].strip().lstrip("-").isdigit():
            kind, words = what, words[len(prefix):].strip()
            break
    try:
        n = int(words)
    except ValueError:
        return f"{text!r}: type a number (an iteration, or a backward pass), such as 3, i3 or p3"
    loops = bool(getattr(trace.program, "loops", ()))
    kind = kind or ("iteration" if loops else "pass")
    if kind == "iteration":
        found = next((s for s in trace.steps if s.iteration == n), None)
        if found is None:
            iterations = sorted({s.iteration for s in trace.steps if s.iteration is not None})
            have = f"{iterations[0]} to {iterations[-1]}" if iterations else "none: the script has no loop"
            return f"no iteration {n} (iterations: {have})"
        return found.index + 1, f"iteration {n}"
    found = next((s for s in trace.steps if s.backward_pass == n), None)
    if found is None:
        count = getattr(trace.program, "passes", 0)
        return f"no backward pass {n} (passes: 1 to {count})" if count else "the script calls no backward()"
    where = f" (iteration {found.iteration})" if found.iteration is not None else ""
    return found.index + 1, f"backward pass {n}{where}"
