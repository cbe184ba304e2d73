"""One primitive operation per step: every inner operation of `y = ...` becomes a named node.

Intermediates of y are named y.1, y.2, … in evaluation order (children before parents, left to
right); the names are stable for a given program text. A dot cannot appear in a user's name, so they
never collide.
"""

from __future__ import annotations

from dataclasses import replace

from backprop_tui.lang.expr import Assignment, Op, Ref, names_read, postorder
from backprop_tui.lang.program import Program


def atomize(program: Program) -> Program:
    if getattr(program, "script", None):
        from backprop_tui.errors import BadInput

        raise BadInput("the gate level (--atomic) is made from a chain or a snippet without backward(); this is a "
                       "PyTorch script with backward passes, loops or updates")
    named: dict = {}  # inner node -> its name; operand tuple -> its rewritten tuple
    out: list[Assignment] = []
    for a in program.assignments:
        if not isinstance(a.expr, Op):
            out.append(a)
            continue
        count = 0
        for node in postorder(a.expr):
            if node is a.expr or not isinstance(node, Op) or id(node) in named:
                continue
            count += 1
            name = f"{a.name}.{count}"
            named[id(node)] = name
            out.append(_assignment(a, name, _shallow(node, named), node))
        out.append(replace(a, expr=_shallow(a.expr, named), reads=names_read(_shallow(a.expr, named))))
    return replace(program, assignments=tuple(out))


def _shallow(node: Op, named: dict) -> Op:
    """The node with each inner operand replaced by a reference to its name.

    The new operand tuple is remembered by the old one's identity, so the outputs of one softmax
    still share their inputs (that is how p1's derivative finds p2 by name).
    """
    key = id(node.args)
    args = named.get(key)  # type: ignore[call-overload]
    if args is None:
        args = tuple(Ref(named[id(a)], a.line, a.col) if isinstance(a, Op) and id(a) in named else a
                     for a in node.args)
        named[key] = args  # type: ignore[assignment]
    return Op(node.op, args, node.line, node.col, node.index)


def _assignment(parent: Assignment, name: str, expr: Op, node: Op) -> Assignment:
    reads = names_read(expr)
    return Assignment(name, expr, node.line or parent.line, node.col or parent.col, parent.text, False, reads)

