"""Formula text by template: the statements of one shape are rendered once, then names and numbers fill in.

`h7 = tanh(h6*w7 + b7)` and `h8 = tanh(h7*w8 + b8)` have the same shape; their symbolic partials and
rendered formulas differ only in the names and numbers at the leaves. A template is the rendering of a
canonical statement whose reads are placeholders, made once per shape (and, for numbers, per pattern of
signs: a negative number is parenthesised where a positive one is not), so a 10,000-statement program
renders a few dozen formulas instead of 40,000. The text is exactly what engine.trace's direct rendering
gives; programs with softmax (whose outputs are named by alias) use the direct rendering.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from backprop_tui.engine import symbolic as S
from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, postorder


def signature(a: Assignment) -> tuple:
    """The statement's shape: operations, numbers, and names by their position among its reads."""
    position = {n: i for i, n in enumerate(a.reads)}
    parts: list[tuple] = []
    for node in postorder(a.expr):
        if isinstance(node, Num):
            parts.append(("n", node.value))
        elif isinstance(node, Ref):
            parts.append(("r", position[node.name]))
        else:
            parts.append(("o", node.op, node.index, len(node.args)))
    return tuple(parts)


def _canonical(a: Assignment) -> Assignment:
    rename = {n: f"\x00{i}\x01" for i, n in enumerate(a.reads)}
    copied: dict[int, Expr] = {}
    for node in postorder(a.expr):  # iterative: a 10,000-term sum on one line is fine
        if isinstance(node, Ref):
            copied[id(node)] = Ref(rename[node.name])
        elif isinstance(node, Num):
            copied[id(node)] = node
        else:
            copied[id(node)] = Op(node.op, tuple(copied[id(x)] for x in node.args), index=node.index)
    return Assignment("\x00r\x01", copied[id(a.expr)], a.line, a.col, "", a.constant, tuple(rename.values()))


_PLACEHOLDER = re.compile("(?:-\x02|\x00)([0-9r]+)\x01")
Template = str  # a str.format pattern: {0}, {1}, … the reads' texts, {r} the statement's own


def compile_template(text: str) -> Template:
    """A rendering's placeholders, "\x00i\x01" (a name, or a non-negative number) and "-\x02i\x01" (a
    negative number, whose own text brings the minus sign), as str.format fields; braces escaped."""
    pieces = _PLACEHOLDER.split(text)
    return "".join(p.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else "{" + p + "}"
                   for i, p in enumerate(pieces))


def fill(template: Template, texts: list[str], root: str) -> str:
    """The template with {k} the k-th read's text and {r} the statement's own (C speed: str.format)."""
    return template.format(*texts, r=root)


class Templates:
    """Rendered formulas by statement shape. `budget`: engine.trace's SYMBOLIC_BUDGET."""

    def __init__(self, budget: int, partials: Callable[[Assignment], dict[str, Expr]]) -> None:
        self.budget = budget
        self.partials = partials
        self._shapes: dict[tuple, tuple[Assignment, dict[str, Expr]]] = {}
        self._rendered: dict[tuple, Template | None] = {}
        self._of: dict[int, tuple[Assignment, tuple]] = {}  # each statement's shape, found once

    def shape_of(self, a: Assignment) -> tuple[tuple, Assignment, dict[str, Expr]]:
        known = self._of.get(id(a))
        if known is not None and known[0] is a:
            return known[1]
        key = signature(a)
        got = self._shapes.get(key)
        if got is None:
            canon = _canonical(a)
            got = self._shapes[key] = (canon, self.partials(canon))
        result = (key, *got)
        self._of[id(a)] = (a, result)
        return result

    def render(self, key: tuple, expr: Expr, canon: Assignment, negative: tuple[bool, ...] | None,
               root_number: bool, budget: int) -> Template | None:
        """Names (negative is None) or numbers (the sign of each read's text, and of the root's)."""
        cache_key = (key, id(expr), negative, root_number)
        if cache_key in self._rendered:
            return self._rendered[cache_key]
        root = canon.expr

        def leaf(node: Expr) -> str | None:
            if isinstance(node, Ref):
                if negative is None:
                    return node.name
                i = int(node.name[1:-1])
                return f"-\x02{i}\x01" if negative[i] else node.name
            if node is root and node is not expr:
                if negative is None or not root_number:
                    return "\x00r\x01"
                return "-\x02r\x01" if negative[-1] else "\x00r\x01"
            return None

        text = S.render(expr, leaf, budget)
        compiled = None if text is None else compile_template(text)
        self._rendered[cache_key] = compiled
        return compiled
