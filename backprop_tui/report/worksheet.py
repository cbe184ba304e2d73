"""Worksheets for teachers: the steps of a chain or a network with blanks to fill in, and an answer key.

A sheet is built once (`chain_sheet`, `network_sheet`) and rendered as markdown here or as LaTeX in
report.latex. `--blank forward,local,grad` chooses which phases may be blank; without `--seed` every step
of those phases is blank, with `--seed N` a seeded half of them (at least one), so each learner of a class
can get a different sheet. Given facts are never blank: the leaves' values, the output's own gradient (1),
a constant's missing gradient, the softmax Jacobian (shown whole) and the update.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from backprop_tui.engine import symbolic as S
from backprop_tui.engine.step import Step
from backprop_tui.errors import BadInput
from backprop_tui.numbers import short

if TYPE_CHECKING:
    from backprop_tui.engine.trace import Trace
    from backprop_tui.network.engine import NetTrace

PHASES = ("forward", "local", "grad")
NETWORK_MAX_NUMBERS = 64  # a worksheet step holds at most this many numbers (a page, not a data set)
BLANK = "______"
HEADINGS = {
    "forward": "Forward pass",
    "loss": "Loss",
    "local": "Local derivatives (∂ of one statement, the other names held fixed)",
    "backward": "Backward pass (the chain rule, from the output back)",
    "update": "Update (SGD)",
}
INSTRUCTIONS = ("Fill in each blank: forward values, local derivatives and gradients, to 6 significant digits. "
                "A local derivative ∂a/∂b holds every other name of a's statement fixed; grad(v) = ∂output/∂v "
                "adds one term grad(c)·∂c/∂v for each statement c that reads v.")


@dataclass(frozen=True)
class SheetOptions:
    """What `trace` was asked for: a worksheet, which phases may be blank, and the seed that picks them."""

    worksheet: bool = False
    blank: frozenset[str] = frozenset(PHASES)
    seed: int | None = None


def parse_blank(text: str) -> frozenset[str]:
    """`forward,local,grad` (any of them, any order) → the set; BadInput names an unknown phase."""
    parts = [p.strip().lower() for p in text.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PHASES]
    if unknown or not parts:
        raise BadInput(f"--blank {text}: choose phases from {', '.join(PHASES)} (comma-separated), such as "
                       "--blank local,grad")
    return frozenset(parts)


@dataclass(frozen=True)
class Item:
    """One step on the sheet: its number (from 1, as in the trace), the rule without numbers (prompt), and
    the whole step with numbers (answer). `values` is what a blank stands for (a float or an array)."""

    number: int
    phase: str
    prompt: str
    answer: str
    values: Any
    blank: bool = False
    check: bool | None = None  # torch's verdict on the step
    given: str = ""  # what a worksheet shows when the step is not blank (default: the answer)

    @property
    def shown(self) -> str:
        return self.given or self.answer


@dataclass(frozen=True)
class Sheet:
    title: str
    kind: str  # "chain" | "network"
    given: tuple[str, ...]  # the program's lines, or the network, its parameters and its data
    items: tuple[Item, ...]
    options: SheetOptions
    verdict: str  # torch's summary line
    warnings: tuple[str, ...] = ()  # engine.warnings lines, after the steps (in the answer key of a worksheet)


def _choose(items: list[Item], eligible: list[int], options: SheetOptions) -> tuple[Item, ...]:
    chosen = set(eligible)
    if options.seed is not None and eligible:
        rng = random.Random(options.seed)
        chosen = set(rng.sample(eligible, max(1, math.ceil(len(eligible) / 2))))
    if options.worksheet and not chosen:
        raise BadInput(f"--blank {','.join(sorted(options.blank))}: this trace has no step of those phases to "
                       "leave blank")
    return tuple(replace(it, blank=i in chosen and options.worksheet, given=it.given if options.worksheet else "")
                 for i, it in enumerate(items))


# -- chains -----------------------------------------------------------------------------------------
def chain_sheet(trace: Trace, title: str, options: SheetOptions, verdict: str) -> Sheet:
    program = trace.program
    items: list[Item] = []
    eligible: list[int] = []
    for s in trace.steps:
        prompt, may_blank = _chain_prompt(trace, s)
        if may_blank and _phase_class(s.phase) in options.blank:
            eligible.append(len(items))
        items.append(Item(s.index + 1, s.phase, prompt, s.formula, s.value, check=s.ok, given=_without_numbers(s)))
    from backprop_tui.engine.warnings import chain_warnings, rendered

    lines = list(dict.fromkeys((a.line, a.text.strip()) for a in program.assignments))
    return Sheet(title, "chain", tuple(text for _, text in lines), _choose(items, eligible, options), options,
                 verdict, tuple(rendered(chain_warnings(trace), indent="")))


def _without_numbers(s: Step) -> str:
    """`y1 = x·w1 + b1 = 1·2 + 1 = 3` → `y1 = x·w1 + b1 = 3`: a given step must not print a blank's value."""
    parts = s.formula.split(" = ")
    return " = ".join([parts[0], parts[1], parts[-1]]) if len(parts) >= 4 else s.formula


def _phase_class(phase: str) -> str:
    return {"backward": "grad", "loss": "forward"}.get(phase, phase)


def _chain_prompt(trace: Trace, s: Step) -> tuple[str, bool]:
    """The step's rule without its numbers, and whether it may be blank (a given fact may not)."""
    if s.phase == "forward":
        a = trace.program.get(s.target)
        if a.is_leaf:
            return s.formula, False
        shape = S.render(a.expr)
        return f"{a.name} = {shape if shape is not None else '(a long expression)'}", True
    if s.phase == "local":
        return s.label, True
    if not s.terms:  # the output (1), a constant (none), a name the output does not read (0)
        return s.formula, False
    shown = s.terms[:8]
    more = f" + … ({len(s.terms) - 8} more)" if len(s.terms) > 8 else ""
    return f"grad({s.target}) = " + " + ".join(f"grad({of})·∂{of}/∂{s.target}" for of, _, _ in shown) + more, True


# -- networks ---------------------------------------------------------------------------------------
def network_sheet(tr: NetTrace, title: str, options: SheetOptions, verdict: str) -> Sheet:
    from backprop_tui.engine.warnings import rendered
    from backprop_tui.network.report import describe
    from backprop_tui.network.warnings import trace_warnings

    spec = tr.spec
    for name, arr in (("x", spec.x), ("y", spec.y), *tr.params.items()):
        _small_enough(name, arr)
    items: list[Item] = []
    eligible: list[int] = []
    for s, arr in zip(tr.steps, tr.arrays, strict=True):
        if arr is not None:
            _small_enough(f"step {s.index + 1} ({s.label})", arr)
        may_blank = arr is not None and arr.ndim <= 2 and s.phase != "update"
        prompt = _network_prompt(s.formula) if may_blank else s.formula
        if may_blank and _phase_class(s.phase) in options.blank:
            eligible.append(len(items))
        answer = f"{prompt} = {array_text(arr)}" if may_blank else s.formula
        items.append(Item(s.index + 1, s.phase, prompt, answer, arr, check=s.ok))
    given = [describe(spec)]
    given += [f"{name} = {array_text(tr.params[name])}" + ("  (frozen)" if name in spec.freeze else "")
              for name in spec.param_names]
    given += [f"x = {array_text(spec.x)}", f"y = {array_text(spec.y)}"]
    found = tuple(rendered(trace_warnings(tr), indent=""))
    return Sheet(title, "network", tuple(given), _choose(items, eligible, options), options, verdict, found)


def _small_enough(what: str, arr: Any) -> None:
    size = int(getattr(arr, "size", 1))
    if size > NETWORK_MAX_NUMBERS:
        raise BadInput(f"a worksheet is for a small network: {what} holds {size} numbers (at most "
                       f"{NETWORK_MAX_NUMBERS}); use fewer rows or units, as in examples/classic-2-2-2.toml")


def _network_prompt(formula: str) -> str:
    """The formula's symbolic head: its ` = ` parts up to the first that starts with a number or `[`."""
    kept: list[str] = []
    for part in formula.split(" = "):
        text = part.lstrip()
        if kept and (text[:1] == "[" or text[:1].isdigit() or (text[:1] == "-" and text[1:2].isdigit())):
            break
        kept.append(part)
    return " = ".join(kept)


def array_text(arr: Any) -> str:
    """Every number (6 significant digits), rows in brackets: a worksheet's answer is never elided."""
    if arr is None:
        return "—"
    if getattr(arr, "ndim", 0) == 0:
        return short(float(arr))
    if arr.ndim == 1:
        return "[" + ", ".join(short(float(v)) for v in arr) + "]"
    return "[" + ", ".join(array_text(row) for row in arr) + "]"


def blank_text(values: Any) -> str:
    """A blank the shape of the answer: `______` for a number, `[[______, ______]]` for a 1×2 matrix."""
    if getattr(values, "ndim", 0) == 0:
        return BLANK
    if values.ndim == 1:
        return "[" + ", ".join([BLANK] * values.shape[0]) + "]"
    return "[" + ", ".join(blank_text(row) for row in values) + "]"


# -- markdown ---------------------------------------------------------------------------------------
def markdown(sheet: Sheet) -> str:
    """The sheet, then (after a rule) its answer key; without --worksheet, the steps as a document."""
    worksheet = sheet.options.worksheet
    out = [f"# {'Worksheet: ' if worksheet else ''}{sheet.title}", ""]
    if worksheet:
        out += ["Name: ______________________   Date: ____________", "", INSTRUCTIONS, ""]
    out += ["## The " + ("program" if sheet.kind == "chain" else "network"), "", "```text", *sheet.given, "```"]
    for heading, items in sections(sheet.items, sheet.kind):
        out += ["", f"## {heading}", ""]
        for it in items:
            text = f"{it.prompt} = {blank_text(it.values)}" if it.blank else it.shown
            out.append(f"{it.number}. `{_code(text)}`")
    if worksheet:
        out += ["", "---", "", f"# Answer key: {sheet.title}", "", key_caption(sheet), ""]
        out += [f"{it.number}. `{_code(it.answer)}`" for it in sheet.items if it.blank]
    else:
        out += ["", sheet.verdict]
    if sheet.warnings:
        out += ["", "## Warnings", "", *(f"- {w}" for w in sheet.warnings)]
    return "\n".join(out) + "\n"


def key_caption(sheet: Sheet) -> str:
    seed = "every step of them" if sheet.options.seed is None else f"seed {sheet.options.seed}"
    blanks = ", ".join(p for p in PHASES if p in sheet.options.blank)
    return f"Blanks: {blanks} ({seed}). {sheet.verdict.rstrip('.')}."


def sections(items: Sequence[Item], kind: str) -> list[tuple[str, list[Item]]]:
    """Consecutive items of one phase under its heading (a network's f'(z) goes with its backward pass)."""
    out: list[tuple[str, list[Item]]] = []
    for it in items:
        phase = "backward" if kind == "network" and it.phase == "local" else it.phase
        heading = HEADINGS.get(phase, phase)
        if not out or out[-1][0] != heading:
            out.append((heading, []))
        out[-1][1].append(it)
    return out


def _code(text: str) -> str:
    return text.replace("`", "'")


def options_from(worksheet: bool, fmt: str, blank: str | None, seed: int | None) -> SheetOptions | None:
    """The command line's sheet flags, checked; None when `trace` writes no sheet (text, json, markdown)."""
    if worksheet and fmt not in ("markdown", "latex"):
        raise BadInput(f"--worksheet writes markdown or LaTeX: add --format markdown or --format latex (not {fmt})")
    if not worksheet and (blank is not None or seed is not None):
        raise BadInput("--blank and --seed choose a worksheet's blanks: add --worksheet")
    if not worksheet and fmt != "latex":
        return None
    return SheetOptions(worksheet, parse_blank(blank) if blank is not None else frozenset(PHASES), seed)


def render(sheet: Sheet, fmt: str) -> str:
    if fmt == "latex":
        from backprop_tui.report.latex import document

        return document(sheet)
    return markdown(sheet)
