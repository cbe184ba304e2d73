"""The current step in words: phase, the formula with numbers, engine vs torch vs finite differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from backprop_tui.engine import symbolic as S
from backprop_tui.engine.step import Step
from backprop_tui.numbers import full, short
from backprop_tui.tui.state import StepState

if TYPE_CHECKING:
    from backprop_tui.engine.warnings import LearningWarning

PHASES = {
    "forward": "compute a value",
    "local": "one edge's derivative, other inputs fixed",
    "backward": "chain rule, from the output back",
    "loss": "the loss", "update": "a parameter update", "reset": "a gradient reset",
}
START = (
    "Press → or n for the first step, ← or p to go back; f finishes the forward pass, b runs the "
    "backward pass. Click a node or press / to find one; ? explains the notation; q quizzes you."
)


def verdict(step: Step, checked: bool, torch_error: str | None) -> Content:
    if step.ok is True and step.value is None:
        return Content.styled("✓ torch agrees: no gradient here", "$success bold")
    if step.verdict == "undecided":
        return Content.styled("? ill-conditioned: cannot decide", "$warning bold reverse")
    if step.ok is True and step.verdict == "exact":
        return Content.styled("✓ both right to rounding (exact referee)", "$success bold")
    if step.ok is True:
        return Content.styled("✓ torch agrees", "$success bold")
    if step.ok is False:
        return Content.styled("✗ torch disagrees", "$error bold reverse")
    if torch_error:
        return Content.styled("unchecked: torch unavailable", "$warning")
    return Content.styled("… pending (torch is checking)", "$warning") if not checked else Content("")


def describe(st: StepState | None, k: int, selected: str | None, torch_error: str | None = None,
             compound: Callable[[str], bool] | None = None) -> Content:
    """The step panel's text at k. `compound(name)`: whether the graph draws that node's gate as `ƒ`;
    the statements behind the ƒ gates of this step are then written out."""
    if st is None:
        return Content("No program yet.")
    step = st.step(k)
    parts: list[Content] = []
    script = getattr(st.trace, "run", None) is not None  # a PyTorch script (engine.script_trace)
    if step is None:
        parts.append(Content.styled(f"Start · {st.n} steps ahead", "bold"))
        parts.append(Content(START))
    else:
        head = Content.styled(f"{step.phase.upper()} · step {k} of {st.n}", "bold $accent")
        # blanks between styled runs stay unstyled: an SVG screenshot's viewer may drop a run's leading blanks
        parts.append(head + Content(" ") + Content.styled(f"· {PHASES.get(step.phase, step.phase)}", "dim")
                     + where(step))
        if st.hides(step):  # quiz mode: the number waits for the learner's prediction
            parts.append(Content.styled(f"{step.label} = ?", "bold") + Content("  ")
                         + Content.styled("predict it below", "$warning"))
            parts.extend(_selected(st, k, selected))
            return Content("\n").join(parts)
        parts.append(Content.styled(step.formula, "bold"))
        parts.extend(compound_lines(st, step, compound))
        if len(step.terms) > 1:
            parts.append(Content(f"fan-out: {step.target} is used {len(step.terms)} times; the chain rule "
                                 "adds one term per use"))
        if step.nondiff:
            parts.append(Content.styled("a kink (not differentiable here): torch's convention is used",
                                        "$warning"))
        fd = "" if step.phase == "forward" or script else f"   finite diff {short(step.fd_value)}"
        torch = "pending" if not st.trace.checked else short(step.torch_value)
        kept = ""  # how many significant digits the engine's float64 figure has right (the exact referee)
        if step.digits is not None:
            kept = " (exact)" if step.digits >= 17 else f" ({step.digits} digit{'' if step.digits == 1 else 's'} right)"
        figures = Content(f"engine {short(step.value)}{kept}   torch {torch}{fd}   ")
        parts.append(figures + verdict(step, st.trace.checked, torch_error))
        if step.digits is not None and step.digits < 15 and step.exact_value is not None:
            parts.append(Content.styled(f"exact {step.exact_value:.12g}: float64 lost digits here", "dim"))
        # the exact referee's sentence is the line above when it found agreement; the rest is news
        note = "; ".join(n for n in step.note.split("; ") if n and not n.startswith("both right to rounding"))
        if step.value32 is not None or step.torch_value32 is not None:
            note = (f"float32 (the snippet's dtype): engine {short(step.value32)}, torch "
                    f"{short(step.torch_value32)}" + (f" · {note}" if note else ""))
        if note:
            parts.append(Content.styled(note, "$warning" if step.ok is not True else "italic"))
        parts.extend(Content.styled(w.short_line(), "$warning") for w in step_warnings(st, k))
    if script:
        parts.extend(script_prints(st, k))
    elif st.trace.program.dialect == "torch" and (step is None or k == st.n):
        parts.extend(snippet_answers(st))
    parts.extend(_selected(st, k, selected))
    return Content("\n").join(parts)


COMPOUND_SHOWN = 3


def compound_lines(st: StepState, step: Step, compound: Callable[[str], bool] | None) -> list[Content]:
    """`ƒ is y1's statement: y1 = x·w1 + b1`, for each node of this step whose gate the graph draws as ƒ
    (a formula too long for the gate, or a fit too tight for it): the step's node (forward, local), or
    the uses whose gradients it sums (backward)."""
    if compound is None:
        return []
    nodes = [of for of, _, _ in step.terms] if step.phase == "backward" else [step.target]
    program = st.trace.program
    out = []
    for name in dict.fromkeys(nodes):
        if len(out) == COMPOUND_SHOWN or name not in program.index or not compound(name):  # type: ignore[attr-defined]
            continue
        text = S.render(program.get(name).expr, budget=200) or "a long formula (see the program)"
        out.append(Content.styled(f"ƒ is {name}'s statement: {name} = {text}", "dim"))
    return out


def where(step: Step) -> Content:
    """A script's step: which backward() call and which loop iteration it belongs to."""
    parts = []
    if step.backward_pass is not None:
        parts.append(f"backward pass {step.backward_pass}")
    if step.iteration is not None:
        parts.append(f"iteration {step.iteration}" if parts else f"in iteration {step.iteration}")
    if not parts:
        return Content("")
    text = parts[0] + (f" ({parts[1]})" if len(parts) > 1 else "")
    return Content(" ") + Content.styled(f"· {text}", "bold $text-primary")  # readable on light and dark


PRINTS_SHOWN = 4
_printed: list = [None, None]  # (trace, its script_checks)


def script_prints(st: StepState, k: int) -> list[Content]:
    """What the script has printed by step k (torch's own lines once checked), the latest few."""
    trace = st.trace
    if _printed[0] is not trace:  # once per trace (and once more when torch's verdicts arrive)
        from backprop_tui.check.script_check import script_checks

        try:
            _printed[:] = [trace, script_checks(trace)]  # type: ignore[arg-type]
        except Exception as err:  # never crash the panel: say what happened
            return [Content.styled(f"cannot show the printed lines: {err}", "$error")]
    rows = [p for p in _printed[1]["prints"] if p["after_step"] <= k]
    if not rows:
        return []
    who = "printed (torch's own output)" if trace.checked else "printed"
    shown = rows[-PRINTS_SHOWN:]
    more = f" (the last {len(shown)} of {len(rows)})" if len(rows) > len(shown) else ""
    lines = [Content.styled(f"{who} by now{more}:", "bold")]
    for p in shown:
        mark = "" if p["same"] or not trace.checked else f"   (the engine's own float32: {p['engine']})"
        lines.append(Content(f"  {p['text']}") + Content.styled(mark, "$warning"))
    return lines


def _selected(st: StepState, k: int, selected: str | None) -> list[Content]:
    if selected is None or selected not in st.trace.values:
        return []
    g = st.grad_step.get(selected)
    known_v = st.value_known(selected, k)
    known_g = st.grad_known(selected, k)
    value = full(st.trace.values[selected]) if known_v else "?"
    grad = (full(g.value) if g else "—") if known_g else "?"
    torch = full(g.torch_value) if (g and known_g and st.trace.checked) else "—"
    out = [Content.styled(f"selected {selected}: value {value} · grad {grad} · torch grad {torch}", "$secondary")]
    uses = uses_line(st, selected, k)
    if uses:
        out.append(Content.styled(uses, "$secondary"))
    return out


_warned: list = [None, ()]  # (program, its warnings): computed once per program, not on every key


def step_warnings(st: StepState, k: int) -> list[LearningWarning]:
    """The warnings (engine.warnings) about step k: a saturated sigmoid or tanh, a relu at or below 0."""
    if _warned[0] is not st.trace.program:
        from backprop_tui.engine.warnings import chain_warnings  # at the first step, not at start-up

        _warned[:] = [st.trace.program, chain_warnings(st.trace)]
    return [w for w in _warned[1] if k - 1 in w.steps]


USES_LISTED = 12


def uses_line(st: StepState, name: str, k: int) -> str:
    """Where a value is used and, once its gradient is known, each use's share grad(use)·∂use/∂name
    (the graph draws far uses as stubs; their shares are listed here)."""
    step = st.grad_step.get(name)
    if step is not None and step.terms and st.grad_known(name, k):
        shares = [f"{of} {short(g * d)}" for of, g, d in step.terms[:USES_LISTED]]
        more = f" + … ({len(step.terms) - USES_LISTED} more)" if len(step.terms) > USES_LISTED else ""
        return f"shares of grad({name}): " + " + ".join(shares) + more
    uses = [loc.of for loc in st.trace.consumers.get(name, [])]
    if not uses:
        return ""
    more = f", … ({len(uses) - USES_LISTED} more)" if len(uses) > USES_LISTED else ""
    return f"{name} is used by " + ", ".join(uses[:USES_LISTED]) + more


def snippet_answers(st: StepState) -> list[Content]:
    """The torch snippet's own `autograd.grad` queries and `print` lines, as the post shows them."""
    from backprop_tui.engine.snippet_run import run_snippet
    from backprop_tui.errors import BadInput

    try:
        if st.trace.checked:
            from backprop_tui.report.snippet_checks import snippet_checks

            checks = snippet_checks(st.trace)
        else:
            run = run_snippet(st.trace)
            checks = {"queries": [{"label": q.label, "of": q.of, "wrt": q.wrt, "value": q.value}
                                  for q in run.queries], "printed": run.printed}
    except BadInput as err:
        return [Content.styled(f"torch would refuse this snippet: {err}", "$error")]
    answers = []
    for q in checks["queries"]:
        mark = ""
        if "ok" in q:
            mark = " ✓" if q["ok"] else f" ✗ (torch {short(q['torch_value'])})"
        if "value32" in q:
            mark += f" · float32 {short(q['value32'])} (torch {short(q['torch_value32'])})"
        answers.append(f"{q['label']} = ∂{q['of']}/∂{q['wrt']} = {short(q['value'])}{mark}")
    lines = [Content.styled("autograd.grad: ", "bold") + Content(" · ".join(answers))] if answers else []
    if checks["printed"]:
        who = "print (torch's own output): " if st.trace.checked else "print: "
        lines.append(Content.styled(who, "bold") + Content("  ".join(checks["printed"])))
    return lines


def needs_rows(widget: Static, height: int) -> bool:
    """Whether text of `height` rows would be cut by the widget's present height (up to its max-height):
    then it must be laid out again, whatever height it last asked for (a resize may have changed it)."""
    rows = widget.content_region.height
    cap = widget.styles.max_height
    if cap is not None and cap.is_cells:
        height = min(height, int(cap.value) - widget.styles.gutter.height)
    return height > rows


class StepPanel(Static):
    """Attributes down: the app calls `show` with the state, k and the selection."""

    _height = -1
    _content = Content("")

    compound: Callable[[str], bool] | None = None  # set by the app: the graph draws this node's gate as ƒ

    def show(self, st: StepState | None, k: int, selected: str | None, torch_error: str | None = None) -> None:
        content = self._content = describe(st, k, selected, torch_error, self.compound)
        width = max(1, self.content_region.width or 60)
        height = content.get_height(self.styles, width)  # wrapped as it will be drawn
        # a relayout only when the height changes
        self.update(content, layout=height != self._height or needs_rows(self, height))
        self._height = height
        self.call_after_refresh(self.mark_cut)

    def on_resize(self) -> None:
        self.mark_cut()

    def mark_cut(self) -> None:
        """Where the text is taller than the panel can grow (the graph needs the rows), it scrolls: say so."""
        rows = self.content_region.height
        cut = rows > 0 and self._content.get_height(self.styles, self.content_region.width) > rows + self.scroll_y
        self.border_subtitle = "more below: scroll" if cut else ""


class StatusLine(Static):
    def show(self, st: StepState | None, k: int, torch: Content) -> None:
        where = "no program" if st is None else f"step {k} of {st.n} · {st.phase(k)}"
        self.update(Content(f" {where}  │  ") + torch, layout=False)  # always one line
