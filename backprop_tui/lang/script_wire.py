"""A script's events as plain JSON-ready lists (lang.wire carries them to the referee): the same events,
rebuilt on the other side, nothing executed."""

from __future__ import annotations

from typing import Any

from backprop_tui.lang.expr import Assignment
from backprop_tui.lang.program import Print, Query
from backprop_tui.lang.script import (
    Ask,
    At,
    Backward,
    Compute,
    Event,
    Item,
    Leaf,
    Reset,
    RetainGrad,
    ScriptProgram,
    Show,
    TorchWarning,
    Update,
)


def _at(at: At) -> list[Any]:
    return [at.line, at.col, at.iteration]


def _item(item: Item) -> list[Any]:
    return [item.kind, item.name, item.text, item.spec, [_item(p) for p in item.parts]]


def _item_of(row: list[Any]) -> Item:
    return Item(row[0], row[1], row[2], row[3], tuple(_item_of(p) for p in row[4]))


def encode_script(program: ScriptProgram) -> dict[str, Any]:
    from backprop_tui.lang.wire import tokens_of

    events: list[list[Any]] = []
    for e in program.script:
        if isinstance(e, Leaf):
            events.append(["leaf", e.name, e.value, e.copy_of, e.requires, e.dtype, _at(e.at)])
        elif isinstance(e, Compute):
            events.append(["compute", e.assignment.name, e.base, e.dtype, _at(e.at), e.no_grad])
        elif isinstance(e, Backward):
            events.append(["backward", e.of, e.retain, e.number, _at(e.at)])
        elif isinstance(e, Update):
            events.append(["update", e.leaf, tokens_of(e.expr), tokens_of(e.shape), e.source, _at(e.at), e.via_data])
        elif isinstance(e, Reset):
            events.append(["reset", e.leaf, e.to_none, _at(e.at)])
        elif isinstance(e, Show):
            events.append(["show", [_item(i) for i in e.items], _at(e.at)])
        elif isinstance(e, Ask):
            events.append(["ask", e.query.label, e.retain, _at(e.at)])
        else:
            events.append(["retain", e.name, _at(e.at)])
    return {"events": events, "views": {k: list(v) for k, v in program.views.items()},
            "warnings": [[w.category, w.message, _at(w.at)] for w in program.torch_warnings],
            "loops": [list(loop) for loop in program.loops]}


def decode_script(data: dict[str, Any], assignments: tuple[Assignment, ...]) -> ScriptProgram:
    from backprop_tui.lang.wire import expr_of

    by_name = {a.name: a for a in assignments}
    queries = tuple(Query(*q) for q in data["queries"])
    by_label = {q.label: q for q in queries}
    script: list[Event] = []
    for row in data["script"]["events"]:
        kind, at = row[0], At(*row[-1]) if row[0] not in ("compute", "update") else None
        if kind == "leaf":
            script.append(Leaf(row[1], row[2], row[3], row[4], row[5], At(*row[6])))
        elif kind == "compute":
            script.append(Compute(by_name[row[1]], row[2], row[3], At(*row[4]), row[5]))
        elif kind == "backward":
            script.append(Backward(row[1], row[2], row[3], at))  # type: ignore[arg-type]
        elif kind == "update":
            script.append(Update(row[1], expr_of(row[2]), expr_of(row[3]), row[4], At(*row[5]), row[6]))
        elif kind == "reset":
            script.append(Reset(row[1], row[2], at))  # type: ignore[arg-type]
        elif kind == "show":
            script.append(Show(tuple(_item_of(i) for i in row[1]), at))  # type: ignore[arg-type]
        elif kind == "ask":
            script.append(Ask(by_label[row[1]], row[2], at))  # type: ignore[arg-type]
        else:
            script.append(RetainGrad(row[1], at))  # type: ignore[arg-type]
    extra = data["script"]
    return ScriptProgram(
        assignments, data["output"], "torch", queries, tuple(Print(*p) for p in data["prints"]),
        tuple((k, int(i)) for k, i in data["events"]), dtypes=dict(data["dtypes"]), script=tuple(script),
        views={k: (v[0], v[1]) for k, v in extra["views"].items()},
        torch_warnings=tuple(TorchWarning(c, m, At(*a)) for c, m, a in extra["warnings"]),
        loops=tuple((v, int(line), int(n)) for v, line, n in extra["loops"]))
