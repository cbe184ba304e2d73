"""The circuit's nodes, read from a trace: names, inputs, gate texts and the final text of every number.

A node is one assignment: a leaf (`x = 1`) or a gate (`q = x + y`). At gate level (`engine.atomize`) every
gate is one primitive operation; at statement level a statement of several operations shows its formula
when it is short, else `ƒ` (its formula is in the step panel; the gate level shows its parts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len

from backprop_tui.engine import symbolic as S
from backprop_tui.engine.trace import Trace
from backprop_tui.lang.expr import Expr, Num, Op, Ref
from backprop_tui.numbers import short

GATE_MAX = 12  # cells: a longer statement formula shows as ƒ
FUNCTION_SYMBOLS = {"sigmoid": "σ"}
OP_SYMBOLS = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "^"}
ASCII_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^"}
COMMUTATIVE = {"add", "mul"}


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    index: int  # source order
    inputs: tuple[str, ...]  # the distinct names it reads, in order of first use
    gate_short: str  # the gate's text where room is short: one operation's symbol, a formula's ƒ
    constant: bool  # no gradient (a const leaf, or computed from constants only)
    expr: Expr | None = None  # the statement's right-hand side (None for a leaf)
    ascii: bool = False

    @property
    def is_leaf(self) -> bool:
        return not self.inputs

    @property
    def gate(self) -> str:
        """The gate's full text ('' for a leaf): written when asked (a fit of 1,000 nodes asks none)."""
        if self.is_leaf or self.expr is None:
            return ""
        return gate_texts(self.expr, self.ascii)[0]


@dataclass
class Model:
    nodes: list[Node]
    by_name: dict[str, Node]
    output: str
    values: dict[str, float]
    grads: dict[str, float | None]
    local: dict[tuple[str, str], float]  # (of, wrt) -> ∂of/∂wrt
    consumers: dict[str, list[str]] = field(default_factory=dict)  # name -> the nodes that read it
    ascii: bool = False
    # a script's leaf whose .grad an earlier backward() had filled: its .grad after this pass (the wire
    # below shows this pass's gradient alone)
    accumulated: dict[str, float] = field(default_factory=dict)

    def share(self, src: str, dst: str) -> float | None:
        """dst's contribution to grad(src): grad(dst)·∂dst/∂src (the engine's own product)."""
        g = self.grads.get(dst)
        if self.grads.get(src) is None:
            return None
        return (g or 0.0) * self.local[(dst, src)]


def model_of(trace: Trace, ascii: bool = False) -> Model:
    inputs: dict[str, list[str]] = {n: [] for n in trace.names}
    consumers: dict[str, list[str]] = {n: [] for n in trace.names}
    local: dict[tuple[str, str], float] = {}
    for loc in trace.locals:
        inputs[loc.of].append(loc.wrt)
        consumers[loc.wrt].append(loc.of)
        local[(loc.of, loc.wrt)] = loc.value
    nodes = []
    compound = "f" if ascii else "ƒ"
    for i, a in enumerate(trace.program.assignments):
        short_gate = (_single(a.expr, ascii) or compound) if inputs[a.name] else ""
        constant = trace.grads.get(a.name) is None
        nodes.append(Node(a.name, i, tuple(inputs[a.name]), short_gate, constant, a.expr, ascii))
    return Model(nodes, {n.name: n for n in nodes}, trace.output, trace.values, trace.grads, local, consumers,
                 ascii, getattr(trace, "accumulated", {}))


def gate_texts(expr: Expr, ascii: bool = False) -> tuple[str, str]:
    """(full, short) text of a gate: one operation as its symbol (`+`, `×`, `exp`, `1/x`, `+1`), a longer
    statement as its formula when it fits in GATE_MAX cells, else ƒ."""
    one = _single(expr, ascii)
    if one is not None:
        return one, one
    text = S.render(expr, budget=40)
    if ascii and text is not None:
        text = text.replace("·", "*")
    compound = "f" if ascii else "ƒ"
    if text is None or cell_len(text) > GATE_MAX:
        return compound, compound
    return text.replace(" ", ""), compound


def _single(expr: Expr, ascii: bool) -> str | None:
    """The text of a one-operation expression whose operands are names and numbers, else None."""
    if isinstance(expr, Ref):
        return "="
    if not isinstance(expr, Op) or any(isinstance(a, Op) for a in expr.args):
        return None
    op, args = expr.op, expr.args
    symbols = ASCII_SYMBOLS if ascii else OP_SYMBOLS
    if op == "neg":
        return "-x" if ascii else "−x"
    if op in symbols and len(args) == 2:
        left, right = args
        sym = symbols[op]
        if isinstance(left, Ref) and isinstance(right, Ref):
            return sym
        if isinstance(left, Ref) and isinstance(right, Num):
            return sym + _num(right.value)
        if isinstance(left, Num) and isinstance(right, Ref):
            if op in COMMUTATIVE:
                return sym + _num(left.value)
            return _num(left.value) + ("/" if op == "div" else sym) + "x"  # CS231n's 1/x gate
        return None
    name = op if ascii else FUNCTION_SYMBOLS.get(op, op)
    if op == "softmax":
        return f"{name}{expr.index + 1}" if ascii else f"{name}{_subscript(expr.index + 1)}"
    if all(isinstance(a, Ref) for a in args):
        return name
    return None


def _num(v: float) -> str:
    text = short(v, 4)
    return f"({text})" if text.startswith("-") else text


def _subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
