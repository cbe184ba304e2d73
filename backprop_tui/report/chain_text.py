"""Text and markdown listings of a checked chain trace: the steps in order, each with its checks."""

from __future__ import annotations

from typing import Any

from backprop_tui.engine.step import Step
from backprop_tui.engine.trace import Trace
from backprop_tui.engine.warnings import chain_warnings, rendered
from backprop_tui.numbers import plural, short

HEADINGS = {
    "forward": "Forward pass (source order)",
    "local": "Local derivatives (∂ of each statement, the other names held fixed)",
    "backward": "Backward pass (chain rule, reverse order)",
}


FORMULA_COLUMN = 64  # checks line up after formulas up to this long


def mark(ok: bool | None, verdict: str | None = None) -> str:
    if verdict == "undecided":
        return "?"
    return "…" if ok is None else ("✓" if ok else "✗")


def digits_text(s: Step) -> str:
    """How many significant digits the engine's float64 figure keeps, against the exact referee."""
    if s.digits is None:
        return ""
    if s.digits >= 17:
        return "exact"
    if s.digits >= 15:
        return f"{s.digits} digits"
    return f"{s.digits} digits (exact {s.exact_value:.12g})"


def float32_text(s: Step) -> str:
    if s.value32 is None and s.torch_value32 is None:
        return ""
    return f"float32 {short(s.value32)} (torch {short(s.torch_value32)})"


def check_text(s: Step) -> str:
    if s.ok is None and s.verdict is None:
        return "… torch pending"
    parts = [mark(s.ok, s.verdict), f"torch {short(s.torch_value)}"]
    if s.fd_value is not None:
        parts.append(f"fd {short(s.fd_value)}")
    for extra in (digits_text(s), float32_text(s)):
        if extra:
            parts.append(f"· {extra}")
    if s.verdict == "undecided":
        parts.append(f"(engine {short(s.value)}: CANNOT DECIDE)")
    elif not s.ok:
        parts.append(f"(engine {short(s.value)}: DISAGREES)")
    return " ".join(parts)


def summary(trace: Trace) -> str:
    if not trace.checked:
        return "torch has not checked this trace"
    n = len(trace.steps)
    bad = [s for s in trace.steps if s.ok is False and s.verdict != "undecided"]
    undecided = [s for s in trace.steps if s.verdict == "undecided"]
    exact = sum(1 for s in trace.steps if s.verdict == "exact")
    float32 = any(s.value32 is not None for s in trace.steps)
    if bad or undecided:
        parts = []
        if bad:
            parts.append(f"✗ torch disagrees on {len(bad)} of {n} steps")
        if undecided:
            parts.append(f"? {len(undecided)} ill-conditioned step{'s' if len(undecided) > 1 else ''}: cannot "
                         "decide")
        return "; ".join(parts)
    how = f" ({exact} through the exact referee: both right to rounding)" if exact else ""
    also = "; its float32 run agrees with torch's" if float32 else ""
    return f"✓ torch autograd (float64) agrees on all {n} steps{how}{also}"


def counts(trace: Trace) -> str:
    return f"{plural(len(trace.names), 'variable')}, {plural(len(trace.steps), 'step')}"


def text(trace: Trace, title: str, extra: dict[str, Any] | None = None) -> str:
    out = [f"{title}: output {trace.output}, {counts(trace)}", summary(trace)]
    out += warning_lines(trace, markdown=False)
    index_width = len(str(len(trace.steps)))  # steps count from 1 here, as in the app ("step k of n")
    width = min(FORMULA_COLUMN, max((len(s.formula) for s in trace.steps), default=0))
    phase = None
    for s in trace.steps:
        if s.phase != phase:
            phase = s.phase
            out += ["", HEADINGS.get(phase, phase)]
        out.append(f"  [{s.index + 1:>{index_width}}] {s.formula:<{width}}  {check_text(s)}")
        if s.note:
            out.append(f"  {'':>{index_width + 2}} ↳ {s.note}")
    out += ["", "Variables", _table(trace, markdown=False)]
    out += _snippet_text(extra, markdown=False)
    return "\n".join(out) + "\n"


def markdown(trace: Trace, title: str, extra: dict[str, Any] | None = None) -> str:
    out = [f"# {title}", "", f"Output `{trace.output}`: {counts(trace)}. "
           f"{summary(trace)}.", ""]
    out += warning_lines(trace, markdown=True)
    phase = None
    for s in trace.steps:
        if s.phase != phase:
            phase = s.phase
            out += ["", f"## {HEADINGS.get(phase, phase)}", "", "| # | step | value | torch | fd | check |",
                    "|---|---|---|---|---|---|"]
        note = f" {_cell(s.note)}" if s.note else ""
        digits = f" ({digits_text(s)})" if s.digits is not None else ""
        out.append(f"| {s.index + 1} | `{_cell(s.formula)}` | {short(s.value)} | {short(s.torch_value)} | "
                   f"{short(s.fd_value)} | {mark(s.ok, s.verdict)}{digits}{note} |")
    out += ["", "## Variables", "", _table(trace, markdown=True)]
    out += _snippet_text(extra, markdown=True)
    return "\n".join(out) + "\n"


def warning_lines(trace: Trace, markdown: bool) -> list[str]:
    """What would slow or stop learning here, and what to try (engine.warnings)."""
    found = chain_warnings(trace)
    if not found:
        return []
    if markdown:
        return ["## Warnings", "", *(f"- {line}" for line in rendered(found, indent=""))]
    return ["", "Warnings (what would slow or stop learning, and what to try)", *rendered(found)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _table(trace: Trace, markdown: bool) -> str:
    backward = {s.target: s for s in trace.steps if s.phase == "backward"}
    forward = {s.target: s for s in trace.steps if s.phase == "forward"}
    head = ["name", "value", "grad", "torch grad", "fd grad", "check"]
    rows = []
    for name in trace.names:
        b, f = backward[name], forward[name]
        ok = None if b.ok is None else bool(b.ok and f.ok)
        undecided = "undecided" if "undecided" in (b.verdict, f.verdict) else None
        rows.append([name, short(trace.values[name]), short(trace.grads[name]), short(b.torch_value),
                     short(b.fd_value), mark(ok, undecided)])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join("  " + fmt.format(*r).rstrip() for r in [head, *rows])


def _snippet_text(extra: dict[str, Any] | None, markdown: bool) -> list[str]:
    if not extra:
        return []
    out: list[str] = []
    if extra.get("queries"):
        out += ["", "## torch.autograd.grad queries" if markdown else "Queries (torch.autograd.grad)"]
        for q in extra["queries"]:
            line = (f"{q['label']} = ∂{q['of']}/∂{q['wrt']} = {short(q['value'])}    "
                    f"{mark(q['ok'], q.get('verdict'))} torch {short(q['torch_value'])}")
            if "value32" in q:
                line += f" · float32 {short(q['value32'])} (torch {short(q['torch_value32'])})"
            out.append(f"- `{line}`" if markdown else f"  {line}")
            if q.get("note"):
                out.append(f"  ↳ {q['note']}" if markdown else f"    ↳ {q['note']}")
    if extra.get("printed"):
        out += ["", "## Printed (torch's own output)" if markdown else "Printed (torch's own output)"]
        out += [f"    {p}" for p in extra["printed"]] if markdown else [f"  {p}" for p in extra["printed"]]
        for k, p in enumerate(extra.get("prints", []), 1):
            if not p["same"]:
                out.append(f"  ↳ line {k}: the engine's own float32 figures print {p['engine']} "
                           "(torch rounds differently in the last digits: another kernel or order of operations)")
    return out
