"""The iterative renderer (deep trees) stops as soon as its budget is sure to be exceeded, with the same
text or None as the plain loop it replaced."""

from __future__ import annotations

import random

from backprop_tui.engine import symbolic as S
from backprop_tui.lang.expr import Expr, Num, Op, Ref
from backprop_tui.numbers import short


def plain_render_deep(root: Expr, leaf, budget: int) -> str | None:
    """The loop before the early stop: None once more than `budget` pieces are out when a node is taken."""
    out: list[str] = []
    stack: list = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        if len(out) > budget:
            return None
        if leaf is not None and (text := leaf(item)) is not None:
            out.append(text)
        elif isinstance(item, Num):
            out.append(short(item.value))
        elif isinstance(item, Ref):
            out.append(item.name)
        else:
            S._push_op(item, stack, leaf)
    return "".join(out)


OPS = ("add", "sub", "mul", "div", "pow", "neg", "double", "exp", "softmax")


def tree(rng: random.Random, depth: int) -> Expr:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice([Num(rng.choice([1.0, -2.0, 0.5])), Ref(rng.choice("abc"))])
    op = rng.choice(OPS)
    if op in ("neg", "double", "exp"):
        return Op(op, (tree(rng, depth - 1),))
    if op == "softmax":
        return Op(op, tuple(tree(rng, depth - 1) for _ in range(rng.randint(1, 3))))
    return Op(op, (tree(rng, depth - 1), tree(rng, depth - 1)))


def spine(rng: random.Random, length: int) -> Expr:
    node: Expr = Ref("x")
    for _ in range(length):
        op = rng.choice(OPS[:7])
        if op in ("neg", "double"):
            node = Op(op, (node,))
        else:
            node = Op(op, (node, Ref("y")) if rng.random() < 0.5 else (Ref("y"), node))
    return node


def test_same_text_or_none_as_the_plain_loop():
    rng = random.Random(7)
    leaves = [None, lambda n: "-7" if isinstance(n, Ref) and n.name == "a" else None,
              lambda n: "Q" if isinstance(n, Op) and n.op == "exp" else None]
    nones = 0
    for i in range(3000):
        root = tree(rng, rng.randint(1, 8)) if i % 3 else spine(rng, rng.randint(1, 50))
        leaf, budget = rng.choice(leaves), rng.randint(0, 60)
        got = S._render_deep(root, leaf, budget)
        assert got == plain_render_deep(root, leaf, budget), (root, budget)
        nones += got is None
    assert 300 < nones < 2700  # both outcomes are exercised


def test_a_long_sum_over_budget_stops_near_the_budget():
    root: Expr = Ref("x")
    for _ in range(100_000):
        root = Op("add", (root, Ref("x")))
    seen: set[int] = set()

    def leaf(node: Expr) -> None:
        seen.add(id(node))

    assert S.render(root, leaf, 4000) is None
    assert len(seen) < 3 * 4000  # nodes looked at: not the 200,001 of the whole sum
