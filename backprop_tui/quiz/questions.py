"""Which steps of a chain trace a quiz asks, and each question's context, hint and worked answer.

Pure: no textual, no torch. A question is about one number of one step (engine.step.Step): a forward
value, a local derivative or a gradient. Given facts are never asked, as on a worksheet
(report.worksheet): a leaf's value, the output's own gradient (1), a constant's missing gradient, and a
gradient that is 0 because the output does not read the name.

Hints name the rule. A local derivative's hint is the calculus line of the rule table
(engine.rules.RULES[op].calculus) for each operation between the statement's result and the name, with
what a and b stand for here; where the statement is too long for that, the symbolic partial the step's
formula uses. A gradient's hint names the consumers that contribute and the product each gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from backprop_tui.engine import symbolic as S
from backprop_tui.engine.rules import RULES
from backprop_tui.engine.step import Step
from backprop_tui.engine.trace import symbolic_partials
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Expr, Op, Ref

if TYPE_CHECKING:
    from backprop_tui.engine.trace import Trace

PHASES = ("forward", "local", "grad")  # as worksheets' --blank: the loss counts as forward
ALL = frozenset(PHASES)
CHOICES: tuple[tuple[str, frozenset[str]], ...] = (  # what the app offers, in this order
    ("all phases", ALL),
    ("local derivatives", frozenset({"local"})),
    ("gradients", frozenset({"grad"})),
    ("local + gradients", frozenset({"local", "grad"})),
    ("forward values", frozenset({"forward"})),
)
MAX_PATHS = 3  # occurrences of a name listed in a local's hint
MAX_PATH_OPS = 4  # operations per occurrence listed
MAX_VISITED = 400  # nodes searched for occurrences before the hint falls back to the symbolic partial
MAX_CONSUMERS = 4  # products listed in a gradient's hint
MAX_HINT = 220  # characters: a longer list of rule lines gives way to the symbolic partial
SHORT = 40  # pieces of a sub-expression shown as `a = …`


@dataclass(frozen=True)
class Question:
    """One number to predict.

    step: the Step's index in its trace. entry: where in that step's array (a network's (row, unit) or
    (out, in)); () for a chain's scalar step. phase: forward | local | grad. label: what is asked
    (`∂y2/∂y1`, `grad(y1)`, `y1`, `z(h1)`, `δ(o1)`, `∂L/∂w(h1→o1)`). answer: the engine's value. working:
    the answer with its arithmetic (a chain step's formula). explain() gives (context, hint), written only
    when first read (a 10,000-statement program has 50,000 questions; one is on screen): context, the
    rule without its numbers, shown with the question; hint, what names the rule.
    """

    step: int
    entry: tuple[int, ...]
    phase: str
    label: str
    answer: float
    working: str
    explain: Callable[[], tuple[str, str]] = field(compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the question across a rebuild of the same program (with its answer)."""
        return self.phase, self.label

    @cached_property
    def _words(self) -> tuple[str, str]:
        return self.explain()

    @property
    def context(self) -> str:
        return self._words[0]

    @property
    def hint(self) -> str:
        return self._words[1]


def given(context: str, hint: str) -> Callable[[], tuple[str, str]]:
    """explain() for words already written."""
    return lambda: (context, hint)


def parse_phases(text: str) -> frozenset[str]:
    """`all`, or any of forward,local,grad comma-separated (`grad` also as `gradients`, `backward`)."""
    aliases = {"gradients": "grad", "gradient": "grad", "backward": "grad", "locals": "local",
               "values": "forward", "value": "forward"}
    parts = [aliases.get(p.strip().lower(), p.strip().lower()) for p in text.split(",") if p.strip()]
    if parts == ["all"]:
        return ALL
    unknown = [p for p in parts if p not in PHASES]
    if unknown or not parts:
        raise BadInput(f"quiz phases {text!r}: choose all, or any of {', '.join(PHASES)} (comma-separated), "
                       "such as local,grad")
    return frozenset(parts)


def phases_text(phases: frozenset[str]) -> str:
    return "all" if phases == ALL else ",".join(p for p in PHASES if p in phases)


# -- chains -----------------------------------------------------------------------------------------
def chain_questions(trace: Trace) -> tuple[Question, ...]:
    """Every askable step of a chain trace, in step order (each scalar: entry ())."""
    out: list[Question] = []
    program = trace.program
    for s in trace.steps:
        if s.value is None:
            continue
        if s.phase == "forward":
            a = program.get(s.target)
            if not a.is_leaf:
                out.append(Question(s.index, (), "forward", s.target, s.value, s.formula, _forward_words(a)))
        elif s.phase == "local" and s.wrt is not None:
            out.append(Question(s.index, (), "local", s.label, s.value, s.formula,
                                _local_words(program.get(s.target), s.wrt)))
        elif s.phase == "backward" and s.terms:
            out.append(Question(s.index, (), "grad", s.label, s.value, s.formula, _grad_words(s, trace.output)))
    return tuple(out)


def _forward_words(a: Assignment) -> Callable[[], tuple[str, str]]:
    def words() -> tuple[str, str]:
        shape = _shape(a.expr) or "(a long expression)"
        names = ", ".join(a.reads[:6]) + (", …" if len(a.reads) > 6 else "")
        return f"{a.name} = {shape}", f"put the values of {names} into {shape}"

    return words


def _local_words(a: Assignment, wrt: str) -> Callable[[], tuple[str, str]]:
    return lambda: (_local_context(a, wrt), local_hint(a, wrt))


def _grad_words(s: Step, output: str) -> Callable[[], tuple[str, str]]:
    return lambda: (f"∂{output}/∂{s.target}, with {output} the output", grad_hint(s))


def _shape(expr: Expr, budget: int = 120) -> str | None:
    return S.render(expr, None, budget)


def _local_context(a: Assignment, wrt: str) -> str:
    others = [n for n in a.reads if n != wrt]
    held = f"; {', '.join(others[:4])}{', …' if len(others) > 4 else ''} held fixed" if others else ""
    return f"{a.name} = {_shape(a.expr) or '(a long expression)'}{held}"


def grad_hint(s: Step) -> str:
    """`grad(y1) = grad(y2)·∂y2/∂y1: one consumer, y2`, or every consumer of a fan-out and its product."""
    shown = s.terms[:MAX_CONSUMERS]
    more = len(s.terms) - len(shown)
    products = " + ".join(f"grad({of})·∂{of}/∂{s.target}" for of, _, _ in shown) + (f" + … ({more} more)"
                                                                                     if more else "")
    names = [of for of, _, _ in s.terms]
    if len(names) == 1:
        who = f"one consumer, {names[0]}"
    else:
        listed = ", ".join(names[:MAX_CONSUMERS]) + (", …" if more else "")
        who = f"{len(names)} consumers, {listed}: {s.target} fans out, so add the product each gives"
    return f"{s.label} = {products}: {who}"


def local_hint(a: Assignment, wrt: str) -> str:
    """The calculus line per operation from the statement's result down to `wrt`, with a and b named."""
    if isinstance(a.expr, Ref):
        return f"{a.name} is {wrt} itself: the derivative of a name by itself"
    paths = _paths(a.expr, wrt)
    if paths is None or not paths or len(paths) > MAX_PATHS or any(len(p) > MAX_PATH_OPS for p in paths):
        return _symbolic_hint(a, wrt)
    lines = [", then ".join(_rule_line(op, i) for op, i in path) for path in paths]
    if len(lines) == 1:
        inside = "" if len(paths[0]) == 1 else "the chain rule inside the statement, outermost first: "
        text = inside + lines[0]
    else:
        text = (f"{wrt} appears {len(lines)} times: add one term per appearance (the product rule comes from "
                "this): " + "; plus ".join(lines))
    return text if len(text) <= MAX_HINT else _symbolic_hint(a, wrt)


def _symbolic_hint(a: Assignment, wrt: str) -> str:
    partial = symbolic_partials(a).get(wrt)
    shape = S.render(partial, None, 120) if partial is not None else None
    if shape is None:
        return f"apply the chain rule through {a.name}'s expression, operation by operation, down to {wrt}"
    return f"holding the other names fixed, ∂{a.name}/∂{wrt} = {shape}; put the values in"


def _paths(root: Expr, wrt: str) -> list[list[tuple[Op, int]]] | None:
    """For each occurrence of `wrt`: the (operation, argument position) pairs from the root down to it.
    None when the tree is too large to search for a hint."""
    found: list[list[tuple[Op, int]]] = []
    stack: list[tuple[Expr, list[tuple[Op, int]]]] = [(root, [])]
    visited = 0
    while stack:
        node, path = stack.pop()
        visited += 1
        if visited > MAX_VISITED:
            return None
        if isinstance(node, Ref) and node.name == wrt:
            found.append(path)
        elif isinstance(node, Op):
            for i in range(len(node.args) - 1, -1, -1):
                stack.append((node.args[i], [*path, (node, i)]))
    return found


def _rule_line(op: Op, i: int) -> str:
    rule = RULES[op.op]
    line = rule.calculus[min(i, len(rule.calculus) - 1)]
    if op.op == "softmax":
        return f"{line} (s = softmax({', '.join(_part(x) for x in op.args)}), i = {op.index + 1}, j = {i + 1})"
    if len(op.args) == 1:
        return f"{line} (a = {_part(op.args[0])})"
    return f"{line} (a = {_part(op.args[0])}, b = {_part(op.args[1])})"


def _part(expr: Expr) -> str:
    return S.render(expr, None, SHORT) or "…"
