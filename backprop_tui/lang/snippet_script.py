"""Python around the tensors: number variables, `for` loops (unrolled), `with torch.no_grad():`, prints of
several values, `.grad` and `.detach()` read in expressions, and the statement forms of the backward idiom.

Names assigned inside a loop are versioned per iteration by renaming the loop body's `ast.Name` nodes in
place before each statement is read (`loss` -> `loss@2` where the loop variable is 2; a read takes the
latest version), so the single-assignment reader below sees every version as its own name. Python
numbers are folded where they are read; nothing is evaluated but this reader's own arithmetic on numbers.
"""

from __future__ import annotations

import ast
import math

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Expr, Num, Ref
from backprop_tui.lang.program import Print, Program
from backprop_tui.lang.script import Ask, Backward, Item, ScriptProgram, Show
from backprop_tui.lang.snippet_grads import IN_PLACE_METHODS, IN_PLACE_OPS, Grads
from backprop_tui.lang.snippet_torch import GRAD, TENSOR, _Tensor
from backprop_tui.lang.torch_model.formats import FormatError, check_spec

_FOLD = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
         ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
         ast.Pow: lambda a, b: a ** b}
MAX_POWER = 64  # a number's ** exponent at most this (2 ** 10 ** 9 would be a billion-digit integer)
PRINT_HELP = ("print takes a name here (or a number, a string, an f-string, t.item(), t.grad, "
              "torch.autograd.grad(...)[0]): assign the expression first, then print(name)")


class Script(Grads):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.current: dict[str, str] = {}  # a name rebound in a loop -> its version now ("loss" -> "loss@2")
        self.loop: tuple[str, set[str]] | None = None  # (loop variable, the names its body assigns)
        self.loop_iterations = 0  # all loops' iterations so far (limits.LOOP_ITERATIONS)
        self.loops: list[tuple[str, int, int]] = []
        self._names: dict[int, list[tuple[ast.Name, str]]] = {}

    # -- the program --------------------------------------------------------------------------------
    def read(self, tree: ast.Module, output: str | None) -> Program:
        for node in ast.walk(tree):  # names assigned in loop bodies too: for "used before it is defined"
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.later.setdefault(target.id, target.lineno)
        return super().read(tree, output)

    def program(self, output: str | None) -> Program:
        if self.nonscalar:
            _, line, col = next(iter(self.nonscalar.values()))
            raise BadInput("only scalar tensors: torch.tensor takes one number here, not a list", line, col,
                           self.source(line))
        program = super().program(output)
        if not self.scripted:
            return program
        if output is not None:
            raise BadInput("--of applies to a snippet without backward(), loops or in-place updates: here each "
                           "backward() names its own output")
        passes = [e.of for e in self.script if isinstance(e, Backward)]
        return ScriptProgram(program.assignments, passes[-1] if passes else program.output, "torch",
                             program.queries, program.prints, program.events, dtypes=program.dtypes,
                             script=tuple(self.script), views=dict(self.views),
                             torch_warnings=tuple(self.torch_warnings), loops=tuple(self.loops))

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign) and self.number_assignment(stmt):
            return
        self.rename(stmt)
        if isinstance(stmt, ast.For):
            self.for_loop(stmt)
        elif isinstance(stmt, ast.With):
            self.with_block(stmt)
        elif isinstance(stmt, ast.AugAssign):
            self.aug_assign(stmt)
        elif isinstance(stmt, ast.Assign):
            self.script_assign(stmt)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.call_statement(stmt)
        else:
            super().statement(stmt)

    def rename(self, stmt: ast.stmt) -> None:
        """Point each name of the statement (its header only, for `for` and `with`) at its current version;
        an assignment's target inside a loop at this iteration's version."""
        names = self._names.get(id(stmt))
        if names is None:
            roots: list[ast.AST] = [stmt.target, stmt.iter] if isinstance(stmt, ast.For) else \
                list(stmt.items) if isinstance(stmt, ast.With) else [stmt]
            names = self._names[id(stmt)] = [(n, n.id) for r in roots for n in ast.walk(r) if isinstance(n, ast.Name)]
        for node, orig in names:
            if isinstance(node.ctx, ast.Store) and isinstance(stmt, ast.Assign):
                node.id = f"{orig}@{self.iteration}" if self.loop and orig in self.loop[1] else orig
            else:
                node.id = self.current.get(orig, orig)

    # -- Python numbers -----------------------------------------------------------------------------
    def number_assignment(self, stmt: ast.Assign) -> bool:
        """`lr = 0.05`, `n = -3`, `lr = lr * 0.9`: a Python number variable (a literal, or arithmetic that
        reads number variables; `y = 2 * 3` stays what the snippet refuses: a tensor expected)."""
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            return False
        value = stmt.value
        literal = isinstance(value, ast.Constant) or (isinstance(value, ast.UnaryOp) and
                                                      isinstance(value.operand, ast.Constant))
        reads = [n for n in ast.walk(value) if isinstance(n, ast.Name)]
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
    def for_loop(self, stmt: ast.For) -> None:
        if self.loop is not None:
            raise self.fail("a loop inside a loop is not supported here: one level of `for`", stmt)
        if stmt.orelse:
            raise self.fail("`for ... else` is not part of the snippet language", stmt.orelse[0])
        if not isinstance(stmt.target, ast.Name):
            raise self.fail("a loop here runs one name over range(...): for step in range(N):", stmt.target)
        var = stmt.target.id
        if var in self.tensors or var in self.current or var in self.bindings or var in self.queries:
            raise self.fail(f"`{var}` is a tensor or an import already; the loop variable needs another name",
                            stmt.target)
        bounds = self.range_of(stmt.iter)
        count = len(bounds)
        self.loop_iterations += count
        line, col = self.where(stmt)
        limits.check("LOOP_ITERATIONS", self.loop_iterations, "the number of loop iterations (all loops, "
                     "unrolled)", "run fewer iterations", line, col, self.source(line))
        assigned = {t.id for node in ast.walk(stmt) if isinstance(node, ast.Assign)
                    for t in node.targets if isinstance(t, ast.Name)}
        self.loops.append((var, stmt.lineno, count))
        self.scripted = True
        for value in bounds:
            self.numbers[var] = value
            self.loop, self.iteration = (var, assigned), value
            try:
                for s in stmt.body:
                    self.statement(s)
            except BadInput as err:
                raise _in_iteration(err, var, value) from None
            finally:
                self.loop, self.iteration = None, None

    def range_of(self, node: ast.expr) -> range:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
                and "range" not in self.bindings and not node.keywords and 1 <= len(node.args) <= 3):
            raise self.fail("a loop here runs over range(...): for step in range(N):, N a whole number or a "
                            "number variable", node)
        args = []
        for arg in node.args:
            value = self.fold(arg)
            if type(value) is not int:
                raise self.fail("range(...) takes whole numbers here: a literal such as 5, or a number variable "
                                "such as num_steps = 5", arg)
            args.append(value)
        if len(args) == 3 and args[2] == 0:
            raise self.fail("range() arg 3 must not be zero (Python raises ValueError)", node.args[2])
        return range(*args)

    def with_block(self, stmt: ast.With) -> None:
        item = stmt.items[0]
        call = item.context_expr
        if len(stmt.items) != 1 or item.optional_vars is not None or not isinstance(call, ast.Call) \
                or self.dotted(call.func) != "torch.no_grad" or call.args or call.keywords:
            raise self.fail("only `with torch.no_grad():` blocks are part of the snippet language (around "
                            "in-place updates: w -= lr * w.grad)", stmt)
        before, self.no_grad = self.no_grad, True
        self.scripted = True
        try:
            for s in stmt.body:
                self.statement(s)
        finally:
            self.no_grad = before

    # -- statements of the backward idiom -----------------------------------------------------------
    def aug_assign(self, stmt: ast.AugAssign) -> None:
        target, op = stmt.target, IN_PLACE_OPS.get(type(stmt.op))
        if isinstance(target, ast.Name) and target.id in self.numbers:
            self.numbers[target.id] = self.fold(ast.BinOp(target, stmt.op, stmt.value)) \
                if self.fold(stmt.value) is not None else self._not_a_number(stmt.value)
            return
        base = target.value if isinstance(target, ast.Attribute) and target.attr == "data" else target
        if op and isinstance(base, ast.Name) and base.id in self.tensors and self.tensors[base.id].leaf:
            self.update(stmt, target, op, stmt.value)
        else:
            super().statement(stmt)

    def _not_a_number(self, node: ast.expr) -> None:
        raise self.fail("a Python number changes here only by numbers", node)

    def call_statement(self, stmt: ast.Expr) -> None:
        call = stmt.value
        assert isinstance(call, ast.Call)
        func = call.func
        if isinstance(func, ast.Name) and func.id == "print" and "print" not in self.bindings:
            self.show(call)
            return
        if not isinstance(func, ast.Attribute) or self.dotted(func) is not None:
            super().statement(stmt)
            return
        attr, base = func.attr, func.value
        grad_of = _grad_owner(base)
        if attr == "backward":
            self.backward(call)
        elif attr == "zero_" and grad_of is not None and not call.args and not call.keywords:
            self.reset_grad(grad_of, False, call)
        elif attr in IN_PLACE_METHODS and _leaf_target(base) is not None:
            if len(call.args) != 1 or call.keywords:
                raise self.fail(f".{attr}(...) takes one value here: w.{attr}(lr * w.grad)", call)
            self.update(stmt, base, IN_PLACE_METHODS[attr], call.args[0])
        elif attr == "retain_grad" and isinstance(base, ast.Name) and not call.args and not call.keywords:
            self.retain_grad(base, call)
        elif attr == "requires_grad_" and isinstance(base, ast.Name):
            self.set_requires(base, self.requires_flag(call), call)
        else:
            super().statement(stmt)

    def requires_flag(self, call: ast.Call) -> bool:
        args = list(call.args) + [kw.value for kw in call.keywords if kw.arg == "requires_grad"]
        if len(args) > 1 or any(kw.arg != "requires_grad" for kw in call.keywords):
            raise self.fail("requires_grad_() takes True or False", call)
        return True if not args else bool(self.flag("requires_grad", args[0]))

    def script_assign(self, stmt: ast.Assign) -> None:
        target, value = stmt.targets[0], stmt.value
        if len(stmt.targets) == 1 and isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            if target.attr == "grad" and isinstance(value, ast.Constant) and value.value is None:
                self.reset_grad(target.value, True, stmt)
                return
            if target.attr == "requires_grad":
                self.set_requires(target.value, bool(self.flag("requires_grad", value)), stmt)
                return
        if len(stmt.targets) != 1 or not isinstance(target, ast.Name):
            super().statement(stmt)
            return
        name = target.id
        orig = name.split("@", 1)[0]
        if name != orig and name in self.tensors:
            raise self.fail(f"`{orig}` is assigned in an earlier loop too ({name} exists): give it another name "
                            "in this loop", target)
        if orig in self.numbers:
            raise self.fail(f"`{orig}` is a Python number ({self.numbers[orig]}); a tensor needs another name",
                            target)
        if self.no_grad and orig in self.tensors and self.tensors[orig].leaf and self.tensors[orig].requires \
                and any(isinstance(n, ast.Name) and n.id == orig for n in ast.walk(value)):
            raise self.fail(f"`{orig} = ...` under torch.no_grad() makes a new tensor that needs no gradient (the "
                            f"next backward() would not reach it); update the leaf in place: {orig} -= ... or "
                            f"{orig}.sub_(...)", target)
        if not self.leaf_form(target, value):
            if self.nonscalar_reads(value):  # a vector computed: followed only to say what torch says of it
                self.check_target(stmt)
                line, col = self.where(target)
                self.nonscalar[name] = (self.nonscalar_reads(value)[0], line, col)
            else:
                super().assign(stmt)
        if self.loop is not None and name != orig:
            self.current[orig] = name
        elif orig in self.current:
            del self.current[orig]

    def leaf_form(self, target: ast.Name, value: ast.expr) -> bool:
        """`torch.tensor(2.).requires_grad_()`, `y.detach()`, `y.detach().requires_grad_()`: new leaves."""
        flag = None
        inner = value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr == "requires_grad_":
            flag, inner = self.requires_flag(value), value.func.value
        if isinstance(inner, ast.Call) and self.dotted(inner.func) == TENSOR and flag is not None:
            self.check_target(ast.Assign(targets=[target], value=value))
            self.leaf(target, inner)
            self.set_requires(target, flag, value)
            return True
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "detach" \
                and isinstance(inner.func.value, ast.Name) and not inner.args and not inner.keywords:
            self.check_target(ast.Assign(targets=[target], value=value))
            self.copy_leaf(target, inner.func.value, bool(flag))
            return True
        return False

    def nonscalar_reads(self, value: ast.expr) -> tuple[int, ...]:
        return tuple(self.nonscalar[n.id][0] for n in ast.walk(value) if isinstance(n, ast.Name)
                     and n.id in self.nonscalar)

    def leaf(self, target: ast.Name, call: ast.Call) -> None:
        arg = call.args[0] if len(call.args) == 1 else None
        if isinstance(arg, ast.List | ast.Tuple) and len(arg.elts) > 1 and all(
                self.fold(e) is not None for e in arg.elts):  # a vector: followed only to say what torch says
            line, col = self.where(arg)
            self.nonscalar[target.id] = (len(arg.elts), line, col)
            return
        super().leaf(target, call)

    def query(self, target: ast.Name, sub: ast.Subscript) -> None:
        super().query(target, sub)
        q = self.query_list[-1]
        if self.retained:  # torch runs retain_grad's hook in autograd.grad too: on the paths to the input
            wrt = self.tensors[q.wrt].node
            _, executed = self.backward_pass(self.tensors[q.of].node, {wrt})
            on_path = set(executed) | {wrt}
            for name in self.retained:
                if self.tensors[name].node in on_path:
                    self.grad_set[name] = True
        call = sub.value
        retain = any(kw.arg == "retain_graph" and isinstance(kw.value, ast.Constant) and kw.value.value is True
                     for kw in call.keywords)  # type: ignore[attr-defined]
        self.script.append(Ask(self.query_list[-1], retain, self.at(target)))

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
            owner, grad_of = arg.func.value, _grad_owner(arg.func.value)
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
        grad_of = _grad_owner(arg)
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
    def use(self, node: ast.Name, allow_query: bool = False) -> None:
        if node.id in self.numbers:
            raise self.fail(f"`{node.id}` is a Python number ({self.numbers[node.id]}), not a tensor", node)
        if node.id in self.nonscalar:
            raise self.fail(f"`{node.id}` holds {self.nonscalar[node.id][0]} numbers: only scalar tensors "
                            "(torch.tensor(2.)) are read here", node)
        super().use(node, allow_query)

    def operands(self, node: ast.expr) -> list[ast.expr]:
        if _view_of(node) is not None:
            return []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "item":
            raise self.fail(".item() gives a Python number: read it inside print(...) here", node)
        return super().operands(node)

    def build(self, node: ast.expr, kids: list[tuple[Expr, bool]]) -> tuple[Expr, bool]:
        if isinstance(node, ast.Name) and node.id in self.numbers:
            line, col = self.where(node)
            if self.display:
                return Ref(node.id, line, col), False
            try:
                return Num(float(self.numbers[node.id]), line, col), False
            except OverflowError:
                raise self.fail("the number is too large for a float", node) from None
        view = _view_of(node)
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


def _view_of(node: ast.AST) -> tuple[str, ast.Name] | None:
    """`w.grad` -> ("grad", w); `x.detach()` and `x.data` -> ("detach", x); else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr in ("grad", "data"):
        return ("grad" if node.attr == "grad" else "detach"), node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "detach" \
            and isinstance(node.func.value, ast.Name) and not node.args and not node.keywords:
        return "detach", node.func.value
    return None


def _grad_owner(node: ast.AST) -> ast.Name | None:
    """`w.grad` or `w.grad.data` -> w."""
    if isinstance(node, ast.Attribute) and node.attr == "data":
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "grad" and isinstance(node.value, ast.Name):
        return node.value
    return None


def _leaf_target(node: ast.AST) -> ast.Name | None:
    if isinstance(node, ast.Attribute) and node.attr == "data":
        node = node.value
    return node if isinstance(node, ast.Name) else None


def _in_iteration(err: BadInput, var: str, value: int) -> BadInput:
    if "(in the iteration " in err.message:
        return err
    return BadInput(f"{err.message} (in the iteration {var} = {value})", err.line, err.col, err.source, err.hint)
