"""Symbolic expressions for display: simplifying constructors and a renderer with few parentheses.

Only for what the screen shows (`∂y2/∂y1 = w2`); every number comes from the numeric rules.
"""

from __future__ import annotations

from collections.abc import Callable

from backprop_tui.lang.expr import Expr, Num, Op, Ref
from backprop_tui.numbers import short

ONE, ZERO = Num(1.0), Num(0.0)


def is_num(e: Expr, v: float) -> bool:
    return isinstance(e, Num) and e.value == v


def mul(a: Expr, b: Expr) -> Expr:
    if is_num(a, 0) or is_num(b, 0):
        return ZERO
    if is_num(a, 1):
        return b
    if is_num(b, 1):
        return a
    if is_num(a, -1):
        return neg(b)
    if is_num(b, -1):
        return neg(a)
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value * b.value)
    if isinstance(b, Num) and not isinstance(a, Num):  # numbers first: 2·x, not x·2
        a, b = b, a
    return Op("mul", (a, b))


def add(a: Expr, b: Expr) -> Expr:
    if is_num(a, 0):
        return b
    if is_num(b, 0):
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value + b.value)
    if isinstance(b, Op) and b.op == "neg":
        return Op("sub", (a, b.args[0]))
    return Op("add", (a, b))


def sub(a: Expr, b: Expr) -> Expr:
    if is_num(b, 0):
        return a
    if is_num(a, 0):
        return neg(b)
    return Op("sub", (a, b))


def neg(a: Expr) -> Expr:
    if isinstance(a, Num):
        return Num(-a.value)
    if isinstance(a, Op) and a.op == "neg":
        return a.args[0]
    return Op("neg", (a,))


def div(a: Expr, b: Expr) -> Expr:
    if is_num(b, 1):
        return a
    if is_num(a, 0):
        return ZERO
    return Op("div", (a, b))


def power(a: Expr, b: Expr) -> Expr:
    if is_num(b, 1):
        return a
    if is_num(b, 0):
        return ONE
    return Op("pow", (a, b))


def call(fn: str, *args: Expr) -> Expr:
    return Op(fn, args)


# -- rendering --------------------------------------------------------------------------------------
_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_SYMBOL = {"add": " + ", "sub": " - ", "mul": "·", "div": "/", "pow": "^"}
ATOM = 5
METHOD_OPS = ("double", "float")  # rendered as methods, as the snippet writes them
Leaf = Callable[[Expr], "str | None"]


def _prec(node: Expr, leaf: Leaf | None) -> int:
    if leaf is not None and (text := leaf(node)) is not None:
        return 3 if text.startswith("-") else ATOM
    if isinstance(node, Num):
        return 3 if node.value < 0 else ATOM
    if isinstance(node, Op):
        return _PREC.get(node.op, ATOM)
    return ATOM


class _TooLong(Exception):
    pass


def render(root: Expr, leaf: Leaf | None = None, budget: int = 4000) -> str | None:
    """Text of an expression; `leaf` may replace any node by text (a name's value, an alias).

    Returns None past `budget` pieces. Recursive where the tree is shallow (fast), iterative where
    it is deep (a 10,000-term sum).
    """
    count = [budget]
    try:
        return _render_fast(root, leaf, count)[0]
    except _TooLong:
        return None
    except RecursionError:
        return _render_deep(root, leaf, budget)


def _render_fast(node: Expr, leaf: Leaf | None, count: list[int]) -> tuple[str, int]:
    count[0] -= 1
    if count[0] < 0:
        raise _TooLong
    if leaf is not None:
        text = leaf(node)
        if text is not None:
            return text, (3 if text[0] == "-" else ATOM)
    if isinstance(node, Ref):
        return node.name, ATOM
    if isinstance(node, Num):
        text = short(node.value)
        return text, (3 if text[0] == "-" else ATOM)
    op, args = node.op, node.args
    p = _PREC.get(op, ATOM)
    if op in METHOD_OPS:  # a snippet's cast, as written: x.double()
        text, cp = _render_fast(args[0], leaf, count)
        return (f"({text})" if cp < ATOM else text) + f".{op}()", ATOM
    if p == ATOM:
        inner = ", ".join(_render_fast(a, leaf, count)[0] for a in args)
        return f"{op}({inner}){_subscript(node.index + 1) if op == 'softmax' else ''}", ATOM
    if op == "neg":
        text, cp = _render_fast(args[0], leaf, count)
        return ("-(" + text + ")" if cp < 2 or text[0] == "-" else "-" + text), 3
    lt, lp = _render_fast(args[0], leaf, count)
    rt, rp = _render_fast(args[1], leaf, count)
    if op == "pow":
        left_need, right_need = ATOM, 4
    elif op in ("sub", "div"):
        left_need, right_need = p, p + 1
    else:
        left_need = right_need = p
    if lp < left_need:
        lt = f"({lt})"
    if rp < right_need or rt[0] == "-":  # 2·(-3), not 2·-3
        rt = f"({rt})"
    return lt + _SYMBOL[op] + rt, p


def _render_deep(root: Expr, leaf: Leaf | None, budget: int) -> str | None:
    """None once more than `budget` pieces are out when a node is taken. `lowest` is the stack index of the
    node taken last, and `pending` the pieces above it: all of them are out before it is taken, so
    len(out) + pending > budget already means None (a 100,000-term sum's left spine pushes its " + "s
    before any piece is out: without this it was walked to the bottom to give None)."""
    out: list[str] = []
    stack: list[Expr | str] = [root]
    lowest, pending = 0, 0
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            pending -= 1
            continue
        if len(out) > budget:
            return None
        if leaf is not None and (text := leaf(item)) is not None:
            out.append(text)
        elif isinstance(item, Num):
            out.append(short(item.value))
        elif isinstance(item, Ref):
            out.append(item.name)
        elif isinstance(item, Op):
            below = len(stack)
            _push_op(item, stack, leaf)
            if below == lowest:  # the lowest node was taken: the lowest of its parts takes its place
                lowest = next((i for i in range(below, len(stack)) if not isinstance(stack[i], str)), -1)
                pending = -1 if lowest < 0 else sum(isinstance(x, str) for x in stack[lowest + 1:])
            else:
                pending += sum(isinstance(x, str) for x in stack[below:])
            if lowest >= 0 and len(out) + pending > budget:
                return None
    return "".join(out)


def _wrap(child: Expr, need: int, stack: list[Expr | str], leaf: Leaf | None, right: bool = False,
          ) -> list[Expr | str]:
    if _prec(child, leaf) < need or (right and _prec(child, leaf) == 3):
        return ["(", child, ")"]
    return [child]


def _push_op(node: Op, stack: list[Expr | str], leaf: Leaf | None) -> None:
    op, args = node.op, node.args
    parts: list[Expr | str]
    if op in ("add", "mul"):
        p = _PREC[op]
        parts = [*_wrap(args[0], p, stack, leaf), _SYMBOL[op], *_wrap(args[1], p, stack, leaf, True)]
    elif op in ("sub", "div"):
        p = _PREC[op]
        parts = [*_wrap(args[0], p, stack, leaf), _SYMBOL[op], *_wrap(args[1], p + 1, stack, leaf, True)]
    elif op == "pow":
        parts = [*_wrap(args[0], ATOM, stack, leaf), "^", *_wrap(args[1], 4, stack, leaf, True)]
    elif op == "neg":
        parts = ["-", *_wrap(args[0], 2, stack, leaf, True)]  # -a·b reads as -(a·b); -(a + b) keeps its parens
    elif op in METHOD_OPS:
        parts = [*_wrap(args[0], ATOM, stack, leaf), f".{op}()"]
    else:
        parts = [f"{op}("]
        for i, arg in enumerate(args):
            if i:
                parts.append(", ")
            parts.append(arg)
        parts.append(")")
        if op == "softmax":
            parts.append(_subscript(node.index + 1))
    stack.extend(reversed(parts))


def _subscript(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
