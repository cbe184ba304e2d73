"""A parsed chain program as plain JSON-ready lists, so the referee's process need not parse it again.

The CLI parses while torch loads in the referee's process; sending the parsed form saves that process a
second parse (a fifth of a second on 10,000 lines). Each assignment travels as its name, its constant
flag, its right-hand side in postorder (a number, a name as a string, an operation as [op, argument
count, output index]) and the names it reads. A torch snippet also carries its dialect, each tensor's
dtype, its queries, prints and their order (the referee replays them at the program's own dtypes).
Plain data both ways; nothing is executed.
"""

from __future__ import annotations

from typing import Any

from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, names_read, postorder
from backprop_tui.lang.program import Print, Program, Query
from backprop_tui.lang.torch_dtypes import SnippetProgram


def tokens_of(expr: Expr) -> list[Any]:
    """An expression in postorder: a number, a name as a string, an operation as [op, argument count, index]."""
    tokens: list[Any] = []
    for node in postorder(expr):
        if isinstance(node, Num):
            tokens.append(node.value)
        elif isinstance(node, Ref):
            tokens.append(node.name)
        else:
            tokens.append([node.op, len(node.args), node.index])
    return tokens


def expr_of(tokens: list[Any]) -> Expr:
    stack: list[Expr] = []
    push = stack.append
    for t in tokens:
        kind = t.__class__
        if kind is str:
            push(Ref(t))
        elif kind is float or kind is int:
            push(Num(float(t)))
        else:
            op, count, index = t
            args = tuple(stack[len(stack) - count:])
            del stack[len(stack) - count:]
            push(Op(op, args, 0, 0, index))
    return stack[0]


def encode(program: Program) -> dict[str, Any]:
    rows = [[a.name, a.constant, tokens_of(a.expr), list(a.reads)] for a in program.assignments]
    data: dict[str, Any] = {"output": program.output, "assignments": rows}
    if program.dialect == "torch":
        data.update(dialect="torch", dtypes=dict(getattr(program, "dtypes", {})),
                    queries=[[q.label, q.of, q.wrt, q.line, q.col] for q in program.queries],
                    prints=[[p.name, p.line, p.col, p.item] for p in program.prints],
                    events=[list(e) for e in program.events])
    if getattr(program, "script", None):
        from backprop_tui.lang.script_wire import encode_script

        data["script"] = encode_script(program)  # type: ignore[arg-type]
    return data


def decode(data: dict[str, Any]) -> Program:
    assignments = []
    for row in data["assignments"]:
        name, constant, tokens = row[0], row[1], row[2]
        expr = expr_of(tokens)
        reads = tuple(row[3]) if len(row) > 3 else names_read(expr)  # sent by encode: no second walk
        assignments.append(Assignment(name, expr, 0, 0, "", constant, reads))
    if data.get("script"):
        from backprop_tui.lang.script_wire import decode_script

        return decode_script(data, tuple(assignments))
    if data.get("dialect") == "torch":
        return SnippetProgram(tuple(assignments), data["output"], "torch",
                              tuple(Query(*q) for q in data["queries"]), tuple(Print(*p) for p in data["prints"]),
                              tuple((kind, int(i)) for kind, i in data["events"]), dtypes=dict(data["dtypes"]))
    return Program(tuple(assignments), data["output"], "chain")
