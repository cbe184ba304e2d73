"""Small expressions of a model file, compiled from `ast` into tuples and evaluated here, never by Python.

They are the numbers a file names (sizes, epochs, the learning rate), the loop's guard
(`(epoch+1) % 100 == 0`) and the print (`'Epoch [{}/{}], Loss: {:.4f}'.format(epoch+1, num_epochs,
loss.item())`). The whitelist: int, float, bool and str constants; names the reader resolves; + - * / //
%, unary - + and `not`; comparisons; `and`/`or`; str(), int(), float(), abs(), round(); the three format
forms of formats.py. `**` is refused (10**10**10 would never finish). An expression has at most
MAX_NODES nodes, so evaluating one recursively stays shallow.

Node forms: ("const", v) ("var", name) ("bin", op, a, b) ("unary", op, a) ("cmp", ops, operands)
("bool", op, values) ("call", fn, args) ("braces", pieces, args) ("percent", pieces, args)
("fstring", pieces) where an f-string piece is a str or (node, conversion, spec).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from backprop_tui import limits
from backprop_tui.lang.torch_model import formats as fm
from backprop_tui.lang.torch_model.base import Context

Node = tuple[Any, ...]
MAX_NODES = limits.MODEL_EXPR_NODES

_BIN: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv), ast.FloorDiv: ("//", operator.floordiv), ast.Mod: ("%", operator.mod),
}
_BIN_BY_SYMBOL = {symbol: fn for symbol, fn in _BIN.values()}
_CMP: dict[type, tuple[str, Callable[[Any, Any], bool]]] = {
    ast.Eq: ("==", operator.eq), ast.NotEq: ("!=", operator.ne), ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le), ast.Gt: (">", operator.gt), ast.GtE: (">=", operator.ge),
}
_CMP_BY_SYMBOL = {symbol: fn for symbol, fn in _CMP.values()}
CALLS = ("str", "int", "float", "abs", "round")


class EvalError(Exception):
    """What Python would raise evaluating the expression (ZeroDivisionError, TypeError, ...), as its words."""


Resolver = Callable[[ast.expr], Node | None]  # a name or call the reader knows -> a node; None: not handled


class Compiler:
    """Compiles one expression; `resolve` handles names and the calls it knows (loss.item())."""

    def __init__(self, ctx: Context, resolve: Resolver) -> None:
        self.ctx = ctx
        self.resolve = resolve

    def compile(self, node: ast.expr, what: str) -> Node:
        count = sum(1 for _ in ast.walk(node))  # ast.walk is iterative: a deep tree cannot overflow here
        if count > MAX_NODES:
            raise self.ctx.fail(f"{what} is too long ({count} parts; at most {MAX_NODES}) "
                                f"{limits.named('MODEL_EXPR_NODES')}", node)
        return self._node(node, what)

    def _node(self, node: ast.expr, what: str) -> Node:
        known = self.resolve(node)
        if known is not None:
            return known
        if isinstance(node, ast.Constant) and type(node.value) in (int, float, bool, str):
            return ("const", node.value)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value,
                                                                                                     str):
                return self._percent(node, what)
            if type(node.op) not in _BIN:
                symbol = "**" if isinstance(node.op, ast.Pow) else type(node.op).__name__
                raise self.ctx.fail(f"the operator {symbol} is not supported in {what} (supported: + - * / // %, "
                                    "comparisons, and/or/not)", node)
            return ("bin", _BIN[type(node.op)][0], self._node(node.left, what), self._node(node.right, what))
        if isinstance(node, ast.UnaryOp):
            ops = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not"}
            if type(node.op) not in ops:
                raise self.ctx.fail(f"the operator ~ is not supported in {what}", node)
            return ("unary", ops[type(node.op)], self._node(node.operand, what))
        if isinstance(node, ast.Compare):
            if any(type(op) not in _CMP for op in node.ops):
                raise self.ctx.fail(f"only == != < <= > >= comparisons are supported in {what}", node)
            return ("cmp", tuple(_CMP[type(op)][0] for op in node.ops),
                    tuple(self._node(v, what) for v in (node.left, *node.comparators)))
        if isinstance(node, ast.BoolOp):
            return ("bool", "and" if isinstance(node.op, ast.And) else "or",
                    tuple(self._node(v, what) for v in node.values))
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, what)
        if isinstance(node, ast.Call):
            return self._call(node, what)
        raise self.ctx.fail(f"`{self.ctx.snippet(node)}` is not supported in {what}", node)

    def _call(self, node: ast.Call, what: str) -> Node:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant) \
                and isinstance(func.value.value, str):
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise self.ctx.fail(".format(...) takes positional arguments here ({} fields)", node)
            try:
                pieces = fm.parse_braces(func.value.value, len(node.args))
            except fm.FormatError as err:
                raise self.ctx.fail(f"the format string: {err}", func.value) from None
            return ("braces", tuple(pieces), tuple(self._node(a, what) for a in node.args))
        if isinstance(func, ast.Name) and func.id in CALLS and func.id not in self.ctx.imports:
            if node.keywords or not 1 <= len(node.args) <= (2 if func.id == "round" else 1):
                raise self.ctx.fail(f"{func.id}(...) takes {'one or two values' if func.id == 'round' else 'one value'}"
                                    " here", node)
            return ("call", func.id, tuple(self._node(a, what) for a in node.args))
        raise self.ctx.fail(f"calling `{self.ctx.snippet(node.func)}` is not supported in {what} (calls: "
                            f"{', '.join(CALLS)}, .format, loss.item())", node)

    def _percent(self, node: ast.BinOp, what: str) -> Node:
        template = node.left.value  # type: ignore[attr-defined]
        values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        try:
            pieces = fm.parse_percent(template, len(values))
        except fm.FormatError as err:
            raise self.ctx.fail(f"the % format: {err}", node) from None
        return ("percent", tuple(pieces), tuple(self._node(v, what) for v in values))

    def _fstring(self, node: ast.JoinedStr, what: str) -> Node:
        pieces: list[Any] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces.append(part.value)
                continue
            assert isinstance(part, ast.FormattedValue)
            spec = ""
            if part.format_spec is not None:
                spec_parts = part.format_spec.values  # type: ignore[attr-defined]
                if not all(isinstance(p, ast.Constant) for p in spec_parts):
                    raise self.ctx.fail("nested {fields} inside a format spec are not supported", part)
                spec = "".join(p.value for p in spec_parts)  # type: ignore[attr-defined]
            try:
                fm.check_spec(spec)
            except fm.FormatError as err:
                raise self.ctx.fail(f"the f-string: {err}", part) from None
            conversion = None if part.conversion == -1 else chr(part.conversion)
            pieces.append((self._node(part.value, what), conversion, spec))
        return ("fstring", tuple(pieces))


# -- evaluation -------------------------------------------------------------------------------------
def evaluate(node: Node, env: dict[str, Any]) -> Any:
    """The value of a compiled expression; EvalError carries Python's own message."""
    try:
        return _eval(node, env)
    except EvalError:
        raise
    except fm.FormatError as err:
        raise EvalError(f"ValueError: {err}") from None
    except (ArithmeticError, TypeError, ValueError) as err:
        raise EvalError(f"{type(err).__name__}: {err}") from None


def _number(v: Any) -> bool:
    return isinstance(v, int | float)  # bool is an int, as in Python


def _eval(node: Node, env: dict[str, Any]) -> Any:
    kind = node[0]
    if kind == "const":
        return node[1]
    if kind == "var":
        return env[node[1]]
    if kind == "bin":
        a, b = _eval(node[2], env), _eval(node[3], env)
        if node[1] == "+" and isinstance(a, str) and isinstance(b, str):
            return a + b
        if not (_number(a) and _number(b)):  # "ab" * 10**9 must not be built
            raise TypeError(f"unsupported operand type(s) for {node[1]}: '{type(a).__name__}' and "
                            f"'{type(b).__name__}'")
        return _BIN_BY_SYMBOL[node[1]](a, b)
    if kind == "unary":
        v = _eval(node[2], env)
        if node[1] == "not":
            return not v
        if not _number(v):
            raise TypeError(f"bad operand type for unary {node[1]}: '{type(v).__name__}'")
        return -v if node[1] == "-" else +v
    if kind == "cmp":
        left = _eval(node[2][0], env)
        for symbol, right_node in zip(node[1], node[2][1:], strict=True):
            right = _eval(right_node, env)
            if not _CMP_BY_SYMBOL[symbol](left, right):
                return False
            left = right
        return True
    if kind == "bool":
        value: Any = None
        for part in node[2]:
            value = _eval(part, env)
            if (node[1] == "and") != bool(value):  # and stops at the first falsy, or at the first truthy
                return value
        return value
    if kind == "call":
        return _call(node[1], [_eval(a, env) for a in node[2]])
    if kind == "braces":
        return fm.render_braces(list(node[1]), [_eval(a, env) for a in node[2]])
    if kind == "percent":
        return fm.render_percent(list(node[1]), [_eval(a, env) for a in node[2]])
    if kind == "fstring":
        out = []
        for piece in node[1]:
            if isinstance(piece, str):
                out.append(piece)
            else:
                out.append(fm.apply_field(_eval(piece[0], env), piece[1], piece[2]))
        return "".join(out)
    raise AssertionError(kind)


def _call(fn: str, args: list[Any]) -> Any:
    for a in args:
        if not isinstance(a, int | float | str):
            raise TypeError(f"{fn}() cannot take a {type(a).__name__}")
    if fn == "str":
        return str(args[0])
    if fn == "int":
        return int(args[0]) if not isinstance(args[0], str) or len(args[0]) <= 100 else int("x")
    if fn == "float":
        return float(args[0])
    if fn == "abs":
        return abs(args[0])
    if len(args) == 2 and (not isinstance(args[1], int) or abs(args[1]) > 100):
        raise ValueError("round(x, n): n must be a whole number of at most 100")
    return round(*args)


def free_names(node: Node) -> set[str]:
    """The ("var", name) names an expression reads."""
    out: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            if len(item) == 2 and item[0] == "var" and isinstance(item[1], str):
                out.add(item[1])
            else:
                stack.extend(item)
    return out
