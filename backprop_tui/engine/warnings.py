"""Warnings that explain: where learning would slow or stop in a chain, why, and what to try.

Pure Python (no torch, no textual, no numpy): the chain's warnings come from the trace's own values.
Network warnings (dead units on every row, vanishing or exploding gradients across layers, a diverging
learning rate) live in backprop_tui.network.warnings and use this module's record and thresholds.

Thresholds, and where they come from:

- SATURATION_FRACTION = 0.1. A sigmoid or tanh is *saturated* where its local derivative is below a tenth
  of its steepest slope (σ'(0) = 0.25, tanh'(0) = 1): σ' < 0.025, i.e. |z| > 3.64 (σ within 0.026 of 0
  or 1), and tanh' < 0.1, i.e. |z| > 1.82 (|tanh| > 0.949). Every gradient that passes through is then
  cut at least tenfold. The tenth is this project's choice; the effect is the one LeCun, Bottou, Orr and
  Müller describe in "Efficient BackProp" (1998, §4.4 and §4.6: keep sigmoid inputs in the region where
  the slope is large) and Glorot & Bengio measure in "Understanding the difficulty of training deep
  feedforward neural networks" (AISTATS 2010, §3: saturated top hidden units).
- A relu is *dead* where its input is ≤ 0 (relu'(z) = 0 there, and torch's relu'(0) = 0): nothing before
  it receives any gradient through it (Maas, Hannun & Ng 2013 call these units that never activate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backprop_tui.engine.evaluate import eval_expr
from backprop_tui.engine.rules import RULES
from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, postorder
from backprop_tui.numbers import short

if TYPE_CHECKING:
    from backprop_tui.engine.trace import Trace

KINDS = ("saturation", "dead_relu", "vanishing", "exploding", "divergence")
SATURATION_FRACTION = 0.1
STEEPEST = {"sigmoid": 0.25, "tanh": 1.0}  # the largest local derivative, at z = 0
SHOWN_PER_KIND = 20  # text renderings list at most this many warnings of a kind, then a count
MAX_PER_KIND = 100  # a chain records at most this many of a kind, then one warning that counts the rest


@dataclass(frozen=True)
class LearningWarning:
    """One warning: its kind (one of KINDS), where it is, why (with its figures), and what to try.

    `why` explains with numbers; `advice` is the sentence that names what to try; `summary` is the short
    form a narrow panel shows (its figures and, briefly, what to try). `steps` are the 0-based indices of
    the steps it concerns (the app shows it on those steps); `figures` holds plain JSON values.
    """

    kind: str
    where: str
    why: str
    advice: str
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)
    steps: tuple[int, ...] = ()

    @property
    def message(self) -> str:
        return f"{self.why} {self.advice}"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "where": self.where, "figures": self.figures, "message": self.message,
                "advice": self.advice, "steps": list(self.steps)}

    def line(self) -> str:
        """One line of text; steps counted from 1, as the text trace and the app number them."""
        return f"⚠ {self.kind} · {self.where}{self._at()}: {self.message}"

    def short_line(self) -> str:
        """The panel's form, on the step it concerns (so without where): the summary."""
        return f"⚠ {self.kind}: {self.summary}"

    def _at(self) -> str:
        if not self.steps:
            return ""
        shown = ", ".join(str(i + 1) for i in self.steps[:6]) + (", …" if len(self.steps) > 6 else "")
        return f" · step{'s' if len(self.steps) > 1 else ''} {shown}"


def saturation_threshold(fn: str) -> float:
    """The local derivative below which `fn` (sigmoid or tanh) counts as saturated."""
    return SATURATION_FRACTION * STEEPEST[fn]


def local_slope(fn: str, output: float) -> float:
    """σ' = σ·(1 − σ) and tanh' = 1 − tanh², from the function's output (as torch's backward computes it)."""
    return output * (1.0 - output) if fn == "sigmoid" else 1.0 - output * output


def saturation_sentence(fn: str, z: float, a: float, slope: float) -> str:
    """Why: the input is far from 0, the output sits near its bound, the slope is small."""
    rule = "σ(z)·(1 − σ(z))" if fn == "sigmoid" else "1 − tanh(z)²"
    bound = ("1" if a > 0.5 else "0") if fn == "sigmoid" else ("1" if a > 0 else "−1")
    return (f"its input {short(z)} is far from 0, so {fn}({short(z)}) = {short(a)} sits near {bound} and its "
            f"slope {rule} = {short(slope)} is below {short(saturation_threshold(fn))} (a tenth of its steepest "
            f"slope, {short(STEEPEST[fn])}, at 0)")


def rendered(warnings: tuple[LearningWarning, ...] | list[LearningWarning], indent: str = "  ") -> list[str]:
    """Text lines, at most SHOWN_PER_KIND per kind, then how many more."""
    lines: list[str] = []
    counts: dict[str, int] = {}
    for w in warnings:
        counts[w.kind] = counts.get(w.kind, 0) + 1
        if counts[w.kind] <= SHOWN_PER_KIND:
            lines.append(indent + w.line())
    for kind, n in counts.items():
        if n > SHOWN_PER_KIND:
            lines.append(f"{indent}… and {n - SHOWN_PER_KIND} more {kind} warnings (in --format json)")
    return lines


# -- chains -----------------------------------------------------------------------------------------
_WATCHED = ("sigmoid", "tanh", "relu")


def chain_warnings(trace: Trace) -> tuple[LearningWarning, ...]:
    """Saturated sigmoid/tanh and relu at or below 0 on the path from the leaves that learn to the output.

    A chain has no layers and no learning rate, so `vanishing`, `exploding` and `divergence` are network
    warnings (backprop_tui.network.warnings). Cost: one pass over the statements that call a watched op.
    """
    program = trace.program
    upstream = _ancestors(trace)
    forward = {s.target: s.index for s in trace.steps if s.phase == "forward"}
    locals_of: dict[str, list[tuple[str, int]]] = {}
    for s in trace.steps:
        if s.phase == "local":
            locals_of.setdefault(s.target, []).append((s.wrt or "", s.index))
    out: list[LearningWarning] = []
    seen: dict[str, int] = {}
    behind: dict[str, tuple[int, ...]] | None = None
    for a in program.assignments:
        if not isinstance(a.expr, Op) or a.name not in upstream or not any(f in a.text for f in _WATCHED):
            continue
        got: dict[int, float] = {}
        for node in _watched_nodes(a, trace.values, got):
            arg = node.args[0]
            kind = _kind(node.op, got[id(arg)], got[id(node)])
            reads = [r.name for r in postorder(arg) if isinstance(r, Ref) and trace.requires_grad[r.name]]
            if kind is None or not reads:  # (a constant input: no gradient passes here anyway)
                continue
            seen[kind] = seen.get(kind, 0) + 1
            if seen[kind] > MAX_PER_KIND:
                continue
            steps = (forward[a.name], *(i for wrt, i in locals_of.get(a.name, []) if wrt in reads))
            behind = behind or _first_leaves(trace)
            leaves = sorted({j for n in reads for j in behind[n]})[: LEAVES_NAMED + 1]
            made = _chain_warning(node.op, got[id(arg)], got[id(node)], a.name, a.line,
                                  [program.assignments[j].name for j in leaves], steps)
            if made is not None:
                out.append(made)
    for kind, n in seen.items():
        if n > MAX_PER_KIND:
            more = n - MAX_PER_KIND
            out.append(LearningWarning(kind, f"{more} more places", f"The same happens in {more} more places (the "
                                       f"first {MAX_PER_KIND} are listed).", "The advice above applies to each.",
                                       f"and {more} more", {"more": more}))
    return tuple(out)


def _watched_nodes(a: Assignment, values: dict[str, float], got: dict[int, float]) -> list[Op]:
    """The sigmoid, tanh and relu calls of a statement, with every node's value filled into `got`.

    The common case, one call at the root (`h = tanh(x*w + b)`, or any gate-level statement), skips the walk."""
    root = a.expr
    if isinstance(root, Op) and root.op in _WATCHED and sum(a.text.count(f) for f in _WATCHED) == 1:
        got[id(root.args[0])] = eval_expr(root.args[0], values)
        got[id(root)] = values[a.name]
        return [root]
    found = []
    for node in postorder(root):
        got[id(node)] = _value(node, got, values)
        if isinstance(node, Op) and node.op in _WATCHED:
            found.append(node)
    return found


def _kind(fn: str, z: float, a: float) -> str | None:
    if fn == "relu":
        return "dead_relu" if z <= 0 else None
    return "saturation" if local_slope(fn, a) < saturation_threshold(fn) else None


def _chain_warning(fn: str, z: float, a: float, name: str, line: int, learners: list[str], steps: tuple[int, ...],
                   ) -> LearningWarning | None:
    where = f"{fn} in {name} (line {line})"
    before = ", ".join(learners[:LEAVES_NAMED]) + (", …" if len(learners) > LEAVES_NAMED else "")
    before = before or "the names before it"
    if fn == "relu":
        if z > 0:
            return None
        why = (f"Its input is {short(z)} ≤ 0, so relu' = 0 there (torch's convention at 0 too): no gradient "
               f"reaches {before} along this path (through {name}). A unit whose input is ≤ 0 on every input row "
               "is a dead ReLU: the weights feeding it never change.")
        advice = ("Try starting values that make the input positive (a small positive bias such as 0.1), or a "
                  "smaller learning rate so that one step cannot push it below 0 for good.")
        summary = f"input {short(z, 3)} ≤ 0, relu' = 0: no gradient reaches {before} through it; try a positive bias"
        return LearningWarning("dead_relu", where, why, advice, summary,
                               {"input": z, "output": a, "derivative": 0.0}, steps)
    slope = local_slope(fn, a)
    threshold = saturation_threshold(fn)
    if slope >= threshold:
        return None
    sentence = saturation_sentence(fn, z, a, slope)
    why = (f"{sentence[0].upper()}{sentence[1:]}. Every gradient through it is multiplied by {short(slope)}, "
           f"so {before} barely learn{'s' if len(learners) == 1 else ''}.")
    advice = "Try bringing its input nearer 0: smaller starting weights, inputs scaled to about [−1, 1], or relu."
    summary = (f"{fn}({short(z, 3)}) = {short(a, 3)}, slope {short(slope, 3)} < {short(threshold)}: every gradient "
               "through it shrinks; try an input nearer 0")
    figures = {"input": z, "output": a, "derivative": slope, "threshold": threshold, "steepest": STEEPEST[fn]}
    return LearningWarning("saturation", where, why, advice, summary, figures, steps)


def _value(node: Expr, got: dict[int, float], values: dict[str, float]) -> float:
    if isinstance(node, Ref):
        return values[node.name]
    if isinstance(node, Num):
        return node.value
    return RULES[node.op].value(tuple(got[id(arg)] for arg in node.args), node.index)


LEAVES_NAMED = 6


def _first_leaves(trace: Trace) -> dict[str, tuple[int, ...]]:
    """For every name, the program indices of the first LEAVES_NAMED + 1 leaves that learn behind it (source
    order): the names a learner would train. One pass, at most 7 indices per name, so 10,000 warnings cost
    what one does."""
    program = trace.program
    keep = LEAVES_NAMED + 1
    out: dict[str, tuple[int, ...]] = {}
    for i, a in enumerate(program.assignments):
        if a.is_leaf:
            out[a.name] = (i,) if trace.requires_grad[a.name] else ()
        else:
            out[a.name] = tuple(sorted({j for n in a.reads for j in out[n]})[:keep])
    return out


def _ancestors(trace: Trace) -> set[str]:
    """The output and every name it reads, directly or not: where a small slope can block its gradient."""
    program = trace.program
    seen = {trace.output}
    todo = [trace.output]
    while todo:
        for name in program.get(todo.pop()).reads:
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def finite(v: float) -> float | None:
    """A figure for JSON: None for inf or NaN (JSON has neither)."""
    return v if math.isfinite(v) else None
