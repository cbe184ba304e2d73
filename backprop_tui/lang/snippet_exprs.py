"""Expressions and calls of the snippet dialect: arithmetic, torch.<fn>(t), t.<fn>() and casts, read by an
iterative whitelist walk (a 10,000-term sum is a loop, not 10,000 stack frames) into plain Expr trees."""

from __future__ import annotations

import ast
import math

from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, names_read
from backprop_tui.lang.snippet_torch import FUNCTIONS, GRAD, METHODS, TENSOR, TorchGraph, _Tensor
from backprop_tui.lang.torch_dtypes import cast, cast_target, expr_dtype

_BINARY = {ast.Add: ("add", "+"), ast.Sub: ("sub", "-"), ast.Mult: ("mul", "*"), ast.Div: ("div", "/"),
           ast.Pow: ("pow", "**")}

_KIND = {  # what an unsupported node is called in a message
    ast.Lambda: "lambdas", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions", ast.JoinedStr: "strings",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.Subscript: "subscripts (indexing)", ast.Attribute: "attribute access", ast.Compare: "comparisons",
    ast.BoolOp: "`and`/`or`", ast.IfExp: "conditional expressions", ast.NamedExpr: "`:=`",
    ast.Starred: "`*` unpacking", ast.Await: "`await`", ast.Yield: "`yield`", ast.YieldFrom: "`yield`",
    ast.Slice: "slices", ast.FormattedValue: "strings",
}


class Expressions(TorchGraph):
    # -- computed tensors ---------------------------------------------------------------------------
    def computed(self, target: ast.Name, value: ast.expr) -> None:
        expr, is_tensor = self.expression(value)
        if not is_tensor:
            raise self.fail(f"{target.id} would be a Python number, not a tensor: make it a leaf with "
                            "torch.tensor(...), or compute it from tensors", value)
        if isinstance(expr, Ref):
            same = (f" ({expr.name} is already {self.tensors[expr.name].dtype}: the cast returns the tensor "
                    "itself)") if isinstance(value, ast.Call) else ""
            raise self.fail(f"`{target.id}` would only be another name for the same tensor{same}; "
                            f"use {expr.name} itself", value)
        reads = names_read(expr)
        requires = any(self.tensors[n].requires for n in reads)
        dtype = expr_dtype(expr, lambda n: self.tensors[n].dtype) or "float32"
        line, col = target.lineno, self.col(target.lineno, target.col_offset)
        self.assignments.append(Assignment(target.id, expr, line, col, self.source(line) or "", False, reads))
        root = self.add_graph(expr) if requires else ("none", target.id)
        self.tensors[target.id] = _Tensor(target.id, False, requires, dtype, root, line)

    def expression(self, root: ast.expr) -> tuple[Expr, bool]:
        """An arithmetic expression -> (Expr tree, whether it is a tensor); iterative, whitelist only."""
        built: dict[int, tuple[Expr, bool]] = {}
        stack: list[tuple[ast.expr, list[ast.expr] | None]] = [(root, None)]
        while stack:
            node, kids = stack.pop()
            if kids is None:
                kids = self.operands(node)
                stack.append((node, kids))
                stack.extend((k, None) for k in reversed(kids))
                continue
            built[id(node)] = self.build(node, [built.pop(id(k)) for k in kids])
        return built[id(root)]

    def operands(self, node: ast.expr) -> list[ast.expr]:
        """Validate one node (before anything below it is built) and list the sub-expressions it needs."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str | bytes):
                raise self.fail("strings are not allowed", node)
            if type(node.value) not in (int, float):
                raise self.fail(f"`{ast.unparse(node)[:20]}` is not a number", node)
            return []
        if isinstance(node, ast.Name):
            return []
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self.fail(f"operator `{_op_text(node.op)}` is not supported; use + - * / **",
                                self.operator_node(node, _op_text(node.op)))
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise self.fail("only unary minus (and plus) is supported", node)
            return [node.operand]
        if isinstance(node, ast.Call):
            return self.call_operands(node)
        if isinstance(node, ast.Attribute):
            hint = ("  (x.grad: ask for a gradient with g = torch.autograd.grad(y, [x])[0])"
                    if node.attr == "grad" else "")
            raise self.fail(f"attribute access is not allowed (`.{node.attr}`){hint}", node)
        kind = _KIND.get(type(node), f"`{type(node).__name__}` expressions")
        raise self.fail(f"not allowed in the snippet language: {kind}", node)

    def call_operands(self, node: ast.Call) -> list[ast.expr]:
        func = node.func
        path = self.dotted(func)
        if path is not None:
            if path in FUNCTIONS:
                if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                    raise self.fail(f"{_pretty(path)} takes one tensor: {_pretty(path)}(x)", node)
                return [node.args[0]]
            if path == TENSOR:
                raise self.fail("torch.tensor(...) makes a leaf: give it a name on its own line, then use the name",
                                node)
            if path == GRAD:
                raise self.fail("a query stands on its own line: g = torch.autograd.grad(y, [x])[0]", node)
            raise self.fail(f"{_pretty(path)} is not part of the snippet language; functions: "
                            f"{', '.join(_pretty(p) for p in FUNCTIONS)}", node)
        if isinstance(func, ast.Attribute) and func.attr in METHODS and self.dotted(func.value) is None:
            if node.args or node.keywords:
                raise self.fail(f".{func.attr}() takes no arguments here", node)
            return [func.value]
        if isinstance(func, ast.Attribute) and func.attr in ("double", "float", "to") \
                and self.dotted(func.value) is None:
            if cast_target(node, self.dotted) is None:
                raise self.fail(f".{func.attr}(...): the casts read here are .double(), .float() and "
                                ".to(torch.float64) / .to(torch.float32)", node)
            return [func.value]
        if isinstance(func, ast.Name):
            if func.id == "print":
                raise self.fail("print(...) stands on its own line", node)
            raise self.fail(f"calling `{func.id}` is not allowed; functions: "
                            f"{', '.join(_pretty(p) for p in FUNCTIONS)}", node)
        if isinstance(func, ast.Attribute):
            base = func.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id not in self.bindings:
                self.use(base)  # undefined (or not imported) comes first
            if self.is_module_chain(func.value) or isinstance(func.value, ast.Name):
                raise self.fail(f"`.{func.attr}(...)` is not part of the snippet language; methods: "
                                f"{', '.join('.' + m + '()' for m in METHODS)}", node)
            raise self.fail("attribute access is not allowed", func)
        raise self.fail("only calls of torch functions are allowed", node)

    def float_of(self, node: ast.Constant) -> float:
        try:
            value = float(node.value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise self.fail("the number is too large for a float", node)
        return value

    def is_module_chain(self, node: ast.expr) -> bool:
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id not in self.tensors and node.id not in self.queries

    def build(self, node: ast.expr, kids: list[tuple[Expr, bool]]) -> tuple[Expr, bool]:
        if isinstance(node, ast.BinOp):  # placed at its operator
            name, symbol = _BINARY[type(node.op)]
            (left, lt), (right, rt) = kids
            at = self.operator_node(node, symbol)
            op_line, op_col = self.where(at)
            return Op(name, (left, right), op_line, op_col), lt or rt
        line, col = self.where(node)
        if isinstance(node, ast.Constant):
            return Num(self.float_of(node), line, col), False
        if isinstance(node, ast.Name):
            self.use(node)
            return Ref(node.id, line, col), True
        if isinstance(node, ast.UnaryOp):
            (inner, tensor), = kids
            if isinstance(node.op, ast.UAdd):
                return inner, tensor
            if isinstance(inner, Num):
                return Num(-inner.value, line, col), False
            return Op("neg", (inner,), line, col), tensor
        assert isinstance(node, ast.Call)
        (arg, tensor), = kids
        path = self.dotted(node.func)
        fn = FUNCTIONS[path] if path is not None else node.func.attr  # type: ignore[attr-defined]
        if not tensor:
            what = f"{_pretty(path)}(...)" if path is not None else f".{fn}()"
            raise self.fail(f"{what} needs a tensor, not a Python number (torch raises TypeError)", node)
        target = cast_target(node, self.dotted) if path is None else None
        if target is not None:
            return cast(arg, target, expr_dtype(arg, lambda n: self.tensors[n].dtype), line, col), True
        return Op(fn, (arg,), line, col), True

    def operator_node(self, node: ast.BinOp, symbol: str) -> ast.AST:
        """Where the operator itself stands (for messages such as division by zero)."""
        left, right = node.left, node.right
        line = getattr(left, "end_lineno", None)
        if line is None or line != right.lineno:
            return node
        raw = self.line_bytes(line)
        segment = raw[left.end_col_offset or 0: right.col_offset].decode("utf-8", errors="replace")
        at = segment.find(symbol)
        while at >= 0 and symbol == "*" and segment[at:at + 2] == "**":
            at = segment.find(symbol, at + 2)
        if at < 0:
            return node
        marker = ast.Pass()
        marker.lineno = line
        marker.col_offset = (left.end_col_offset or 0) + len(segment[:at].encode("utf-8"))
        return marker


def _pretty(path: str) -> str:
    return path.replace("torch.nn.functional.", "F.")


def _op_text(op: ast.operator) -> str:
    return {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
            ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}.get(type(op), "?")
