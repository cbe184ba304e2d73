"""Expression trees: the plain data a parsed right-hand side becomes.

Every occurrence of a name is its own `Ref` (the tree is a tree, never a DAG), so `x*x` has two edges
into x and the product rule falls out of the per-occurrence sums.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Num:
    value: float
    line: int = 0
    col: int = 0


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    line: int = 0
    col: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class Op:
    """A primitive operation. `index` picks one output of a many-output op (softmax)."""

    op: str
    args: tuple[Expr, ...]
    line: int = 0
    col: int = 0
    index: int = 0


Expr = Num | Ref | Op


def postorder(root: Expr) -> list[Expr]:
    """Children before parents, left to right; iterative, so a 10,000-term sum is fine."""
    out: list[Expr] = []
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded or not isinstance(node, Op):
            out.append(node)
            continue
        stack.append((node, True))
        for arg in reversed(node.args):
            stack.append((arg, False))
    return out


def refs(root: Expr) -> Iterator[Ref]:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Ref):
            yield node
        elif isinstance(node, Op):
            stack.extend(reversed(node.args))


def names_read(root: Expr) -> tuple[str, ...]:
    """Distinct names in order of first use (ordered, never a set: run-to-run order must not vary)."""
    seen: dict[str, None] = {}
    for ref in refs(root):
        seen.setdefault(ref.name, None)
    return tuple(seen)


def size(root: Expr) -> int:
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        count += 1
        if isinstance(node, Op):
            stack.extend(node.args)
    return count


@dataclass(frozen=True, slots=True)
class Assignment:
    """One named variable: `name = expr`. A many-target line (softmax) becomes one per target."""

    name: str
    expr: Expr
    line: int
    col: int
    text: str  # the source line, for messages and the editor
    constant: bool = False  # a leaf marked const(...): no gradient, like requires_grad=False
    reads: tuple[str, ...] = field(default=())

    @property
    def is_leaf(self) -> bool:
        return isinstance(self.expr, Num)
