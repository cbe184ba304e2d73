"""Text and markdown listings of a checked chain trace: the steps in order, each with its checks."""

from __future__ import annotations

from typing import Any

from backprop_tui.engine.step import Step
from backprop_tui.engine.trace import Trace
from backprop_tui.engine.warnings import chain_warnings, rendered
from backprop_tui.numbers import short

HEADINGS = {
    "forward": "Forward pass (source order)",
    "local": "Local derivatives (∂ of each statement, the other names held fixed)",
    "backward": "Backward pass (chain rule, reverse order)",
}


FORMULA_COLUMN = 64  # checks line up after formulas up to this long


def mark(ok: bool | None) -> str:
    return "…" if ok is None else ("✓" if ok else "✗")


def check_text(s: Step) -> str:
    if s.ok is None:
        return "… torch pending"
    parts = [mark(s.ok), f"torch {short(s.torch_value)}"]
    if s.fd_value is not None:
        parts.append(f"fd {short(s.fd_value)}")
    if not s.ok:
        parts.append(f"(engine {short(s.value)}: DISAGREES)")
    return " ".join(parts)


def summary(trace: Trace) -> str:
    bad = [s for s in trace.steps if s.ok is False]
    if not trace.checked:
        return "torch has not checked this trace"
    if bad:
        return f"✗ torch disagrees on {len(bad)} of {len(trace.steps)} steps"
    return f"✓ torch autograd (float64) agrees on all {len(trace.steps)} steps"


def text(trace: Trace, title: str, extra: dict[str, Any] | None = None) -> str:
    out = [f"{title}: output {trace.output}, {len(trace.names)} variables, {len(trace.steps)} steps",
           summary(trace)]
    out += warning_lines(trace, markdown=False)
    index_width = len(str(len(trace.steps)))  # steps count from 1 here, as in the app ("step k of n")
    width = min(FORMULA_COLUMN, max((len(s.formula) for s in trace.steps), default=0))
    phase = None
    for s in trace.steps:
        if s.phase != phase:
            phase = s.phase
            out += ["", HEADINGS.get(phase, phase)]
        out.append(f"  [{s.index + 1:>{index_width}}] {s.formula:<{width}}  {check_text(s)}")
    out += ["", "Variables", _table(trace, markdown=False)]
    out += _snippet_text(extra, markdown=False)
    return "\n".join(out) + "\n"


def markdown(trace: Trace, title: str, extra: dict[str, Any] | None = None) -> str:
    out = [f"# {title}", "", f"Output `{trace.output}`: {len(trace.names)} variables, {len(trace.steps)} steps. "
           f"{summary(trace)}.", ""]
    out += warning_lines(trace, markdown=True)
    phase = None
    for s in trace.steps:
        if s.phase != phase:
            phase = s.phase
            out += ["", f"## {HEADINGS.get(phase, phase)}", "", "| # | step | value | torch | fd | check |",
                    "|---|---|---|---|---|---|"]
        out.append(f"| {s.index + 1} | `{_cell(s.formula)}` | {short(s.value)} | {short(s.torch_value)} | "
                   f"{short(s.fd_value)} | {mark(s.ok)} |")
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
        rows.append([name, short(trace.values[name]), short(trace.grads[name]), short(b.torch_value),
                     short(b.fd_value), mark(ok)])
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
                    f"{mark(q['ok'])} torch {short(q['torch_value'])}")
            out.append(f"- `{line}`" if markdown else f"  {line}")
    if extra.get("printed"):
        out += ["", "## Printed" if markdown else "Printed"]
        out += [f"    {p}" for p in extra["printed"]] if markdown else [f"  {p}" for p in extra["printed"]]
    return out
