"""Python values around the tensors in the snippet dialect: number variables (folded where read), prints of
several values (strings, f-strings, numbers, t.item(), t.grad, autograd.grad(...)[0]), and the views a
tensor offers in an expression (`w.grad`, `x.detach()`, `x.data`: the value now, no gradient of its own).
Nothing is evaluated but this reader's own arithmetic on numbers."""

from __future__ import annotations

import ast
import math

from backprop_tui.lang.expr import Expr, Num, Ref
from backprop_tui.lang.program import Print
from backprop_tui.lang.script import Item, Show
from backprop_tui.lang.snippet_grads import Grads
from backprop_tui.lang.snippet_torch import GRAD, _Tensor
from backprop_tui.lang.torch_model.formats import FormatError, check_spec

_FOLD = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
         ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
         ast.Pow: lambda a, b: a ** b}
MAX_POWER = 64  # a number's ** exponent at most this (2 ** 10 ** 9 would be a billion-digit integer)
PRINT_HELP = ("print takes a name here (or a number, a string, an f-string, t.item(), t.grad, "
              "torch.autograd.grad(...)[0]): assign the expression first, then print(name)")



class Values(Grads):
    # -- Python numbers -----------------------------------------------------------------------------
    def number_assignment(self, stmt: ast.Assign) -> bool:
        """`lr = 0.05`, `n = -3`, `lr = lr * 0.9`: a Python number variable (a literal, or arithmetic that
        reads number variables; `y = 2 * 3` stays what the snippet refuses: a tensor expected)."""
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            return False
        value = stmt.value
        literal = isinstance(value, ast.Constant) or (isinstance(value, ast.UnaryOp) and
                                                      isinstance(value.operand, ast.Constant))
        reads = self.names_of(value)
        if not (literal or (reads and all(n.id in self.numbers for n in reads))):
            return False
        number = self.fold(value)
        if number is None:
            return False
        name = stmt.targets[0].id
        if name in self.tensors or name in self.current or name in self.queries:
            raise self.fail(f"`{name}` is a tensor already; a Python number needs another name", stmt.targets[0])
        if name in self.bindings or name == "print":
            raise self.fail(f"`{name}` is a name of its own here ({self.bindings.get(name, 'print')}); choose "
                            "another name", stmt.targets[0])
        self.numbers[name] = number
        return True

    def fold(self, node: ast.expr) -> int | float | None:
        """The value of arithmetic on numbers and number variables (this reader's own arithmetic), or None
        if the expression is not only numbers."""
        if isinstance(node, ast.Constant):
            return node.value if type(node.value) in (int, float) else None
        if isinstance(node, ast.Name):
            return self.numbers.get(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.fold(node.operand)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
            a, b = self.fold(node.left), self.fold(node.right)
            if a is None or b is None:
                return None
            if isinstance(node.op, ast.Pow) and abs(b) > MAX_POWER:
                raise self.fail(f"a number's ** exponent is at most {MAX_POWER} here", node.right)
            try:
                got = _FOLD[type(node.op)](a, b)
            except ZeroDivisionError:
                raise self.fail("division by zero (Python raises ZeroDivisionError)", node) from None
            except OverflowError:
                raise self.fail("the number is too large for a float", node) from None
            if isinstance(got, complex) or (isinstance(got, float) and not math.isfinite(got)):
                raise self.fail("this number is not a finite real number", node)
            return got
        return None

    def number(self, node: ast.expr) -> tuple[float, bool]:
        if isinstance(node, ast.Name) and node.id in self.numbers:
            value = self.numbers[node.id]
            return float(value), isinstance(value, int)
        return super().number(node)

    # -- loops and no_grad blocks -------------------------------------------------------------------

    # -- print --------------------------------------------------------------------------------------
    def show(self, call: ast.Call) -> None:
        if call.keywords:
            raise self.fail("print(..., sep=..., end=...) is not supported here; print values separated by commas",
                            call.keywords[0].value)
        if any(isinstance(a, ast.Starred) for a in call.args):
            raise self.fail("`*` unpacking is not allowed", call)
        items = tuple(self.print_item(a) for a in call.args)
        line, col = self.where(call)
        if len(items) == 1 and items[0].kind in ("tensor", "item", "query", "query_item"):  # the plain snippet's
            self.events.append(("print", len(self.prints)))
            self.prints.append(Print(items[0].name, line, col, items[0].kind in ("item", "query_item")))
        else:
            self.scripted = True
        self.script.append(Show(items, self.at(call)))

    def print_item(self, arg: ast.expr) -> Item:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            self.scripted = True
            return Item("text", text=arg.value)
        if isinstance(arg, ast.JoinedStr):
            return self.f_string(arg)
        if isinstance(arg, ast.Name) and arg.id in self.queries:
            return Item("query", arg.id)
        number = self.fold(arg)
        if number is not None:
            self.scripted = True
            return Item("number", text=str(number))
        if isinstance(arg, ast.Name):
            self.use(arg)
            return Item("tensor", arg.id)
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "item" \
                and not arg.args and not arg.keywords:
            owner, grad_of = arg.func.value, grad_owner(arg.func.value)
            if grad_of is not None:
                if not self.grad_is_set(grad_of, owner):
                    raise self.fail(f"{grad_of.id}.grad is None here ({self.why_none(grad_of.id)}): Python raises "
                                    "AttributeError: 'NoneType' object has no attribute 'item'", arg)
                return Item("grad_item", grad_of.id)
            if isinstance(owner, ast.Name) and owner.id in self.queries:
                return Item("query_item", owner.id)
            if isinstance(owner, ast.Name) and owner.id not in self.numbers:
                self.use(owner)
                return Item("item", owner.id)
        grad_of = grad_owner(arg)
        if grad_of is not None:
            return Item("grad", grad_of.id) if self.grad_is_set(grad_of, arg) else Item("none")
        if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Call) and self.dotted(arg.value.func) == GRAD:
            return Item("query", self.inline_query(arg))
        self.expression(arg)  # a precise complaint about what is inside, if anything
        raise self.fail(PRINT_HELP, arg)

    def inline_query(self, sub: ast.Subscript) -> str:
        """`print(torch.autograd.grad(y, [x])[0])`: a query labelled by its own text."""
        text = " ".join((ast.get_source_segment(self.text, sub) or "torch.autograd.grad(...)[0]").split())[:60]
        label = text + (f" @{self.iteration}" if self.iteration is not None else "")
        n = 2
        while label in self.queries or label in self.tensors:
            label, n = f"{text} #{n}", n + 1
        self.scripted = True
        self.query(ast.Name(id=label, ctx=ast.Store(), lineno=sub.lineno, col_offset=sub.col_offset), sub)
        return label

    def f_string(self, node: ast.JoinedStr) -> Item:
        """f"{step}: {loss.item():.4f}": a 0-dim tensor formats as its item, as torch's Tensor.__format__."""
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(Item("text", text=str(value.value)))
                continue
            assert isinstance(value, ast.FormattedValue)
            if value.conversion != -1:
                raise self.fail("conversions (!r, !s) in an f-string are not supported here", value)
            spec = ""
            if value.format_spec is not None:
                pieces = value.format_spec.values  # type: ignore[attr-defined]
                if not all(isinstance(p, ast.Constant) for p in pieces):
                    raise self.fail("nested fields in a format spec are not supported", value.format_spec)
                spec = "".join(str(p.value) for p in pieces)  # type: ignore[attr-defined]
                try:
                    check_spec(spec)
                except FormatError as err:
                    raise self.fail(str(err), value.format_spec) from None
            item = self.print_item(value.value)
            if item.kind in ("tensor", "grad", "query"):  # torch's __format__ of a 0-dim tensor: its item's
                item = Item({"tensor": "item", "grad": "grad_item"}.get(item.kind, "query_item"), item.name)
            if spec and item.kind in ("text", "none"):
                raise self.fail(f"format spec {spec!r} on a {'string' if item.kind == 'text' else 'None'} is "
                                "not supported here", value)
            if spec and item.kind == "number":
                try:
                    item = Item("text", text=format(self.fold(value.value), spec))
                except ValueError as err:
                    raise self.fail(f"format spec {spec!r}: {err}", value) from None
            elif spec:
                try:
                    format(1.0, spec)
                except ValueError as err:
                    raise self.fail(f"format spec {spec!r}: {err}", value) from None
                item = Item(item.kind, item.name, spec=spec)
            parts.append(item)
        self.scripted = True
        return Item("join", parts=tuple(parts))

    # -- names and views in expressions ---------------------------------------------------------------
    # -- names and views in expressions ---------------------------------------------------------------
    def use(self, node: ast.Name, allow_query: bool = False) -> None:
        if node.id in self.numbers:
            raise self.fail(f"`{node.id}` is a Python number ({self.numbers[node.id]}), not a tensor", node)
        if node.id in self.nonscalar:
            raise self.fail(f"`{node.id}` holds {self.nonscalar[node.id][0]} numbers: only scalar tensors "
                            "(torch.tensor(2.)) are read here", node)
        super().use(node, allow_query)

    def query_view(self, node: ast.Name) -> None:
        """`w -= lr * g` with g = torch.autograd.grad(...)[0]: g is a tensor needing no gradient, the answer
        at the moment of its query (a view the engine and the referee fill when they answer it)."""
        label = node.id
        if _unused_query(self, label):
            raise self.fail(f"`{label}` is None (the query's input is not used: allow_unused=True gave None): "
                            "arithmetic with None fails in Python (TypeError)", node)
        q = next(q for q in self.query_list if q.label == label)
        self.tensors[label] = _Tensor(label, True, False, self.tensors[q.wrt].dtype, ("none", label), node.lineno)
        self.views[label] = ("query", label)
        self.scripted = True

    def operands(self, node: ast.expr) -> list[ast.expr]:
        if view_of(node) is not None:
            return []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "item":
            raise self.fail(".item() gives a Python number: read it inside print(...) here", node)
        return super().operands(node)

    def build(self, node: ast.expr, kids: list[tuple[Expr, bool]]) -> tuple[Expr, bool]:
        if isinstance(node, ast.Name) and node.id in self.queries and node.id not in self.tensors:
            self.query_view(node)  # a gradient from autograd.grad used in arithmetic: a tensor without a grad
        if isinstance(node, ast.Name) and node.id in self.numbers:
            line, col = self.where(node)
            if self.display:
                return Ref(node.id, line, col), False
            try:
                return Num(float(self.numbers[node.id]), line, col), False
            except OverflowError:
                raise self.fail("the number is too large for a float", node) from None
        view = view_of(node)
        if view is None:
            return super().build(node, kids)
        kind, owner = view
        line, col = self.where(node)
        if self.display and kind == "grad":  # an update's display form: its checks were made just before
            return Ref(f"grad({owner.id})", line, col), True
        self.use(owner)
        name = owner.id
        if kind == "grad":
            if not self.grad_is_set(owner, node):
                raise self.fail(f"{name}.grad is None here ({self.why_none(name)}): arithmetic with None fails in "
                                "Python (TypeError: unsupported operand type(s) ... 'NoneType')", node)
            view_name = f"{name}.grad"
        else:
            view_name = f"{name}.data" if isinstance(node, ast.Attribute) else f"{name}.detach()"
        if view_name not in self.tensors:
            self.tensors[view_name] = _Tensor(view_name, True, False, self.tensors[name].dtype, ("none", view_name),
                                              line)
            self.views[view_name] = (kind, name)
        self.scripted = True
        return Ref(view_name, line, col), True


def _unused_query(reader: object, label: str) -> bool:
    return label in getattr(reader, "unused_queries", ())


def view_of(node: ast.AST) -> tuple[str, ast.Name] | None:
    """`w.grad` -> ("grad", w); `x.detach()` and `x.data` -> ("detach", x); else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr in ("grad", "data"):
        return ("grad" if node.attr == "grad" else "detach"), node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "detach" \
            and isinstance(node.func.value, ast.Name) and not node.args and not node.keywords:
        return "detach", node.func.value
    return None


def grad_owner(node: ast.AST) -> ast.Name | None:
    """`w.grad` or `w.grad.data` -> w."""
    if isinstance(node, ast.Attribute) and node.attr == "data":
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "grad" and isinstance(node.value, ast.Name):
        return node.value
    return None


def leaf_target(node: ast.AST) -> ast.Name | None:
    if isinstance(node, ast.Attribute) and node.attr == "data":
        node = node.value
    return node if isinstance(node, ast.Name) else None


