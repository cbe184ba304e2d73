"""Statements of the snippet dialect: imports of torch, leaves, computed tensors, queries and prints."""

from __future__ import annotations

import ast

from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Num
from backprop_tui.lang.program import Print, Program
from backprop_tui.lang.snippet_exprs import Expressions
from backprop_tui.lang.snippet_torch import FUNCTIONS, GRAD, MODULES, TENSOR, _Tensor
from backprop_tui.lang.torch_dtypes import DTYPES, SnippetProgram


class Statements(Expressions):
    # -- statements ---------------------------------------------------------------------------------
    def read(self, tree: ast.Module, output: str | None) -> Program:
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.later.setdefault(target.id, target.lineno)
        for stmt in tree.body:
            self.statement(stmt)
        return self.program(output)

    def program(self, output: str | None) -> Program:
        """The program read so far, its output `output` or the last computed tensor."""
        if not self.assignments:
            raise BadInput("the snippet defines no tensors: write x = torch.tensor(1., requires_grad=True) "
                           "and compute with it")
        computed = [a.name for a in self.assignments if not a.is_leaf]
        out = output if output is not None else (computed or [self.assignments[-1].name])[-1]
        if out not in self.tensors:
            what = "is a gradient from torch.autograd.grad, not a tensor of the graph" if out in self.queries \
                else "no tensor of that name"
            raise BadInput(f"--of {out}: {what}; tensors: {', '.join(list(self.tensors)[:12])}")
        return SnippetProgram(tuple(self.assignments), out, "torch", tuple(self.query_list), tuple(self.prints),
                              tuple(self.events), dtypes={n: t.dtype for n, t in self.tensors.items()})

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import):
            self.import_(stmt)
        elif isinstance(stmt, ast.ImportFrom):
            self.import_from(stmt)
        elif isinstance(stmt, ast.Assign):
            self.assign(stmt)
        elif isinstance(stmt, ast.Expr):
            self.expression_statement(stmt)
        elif isinstance(stmt, ast.AugAssign):
            raise self.fail("augmented assignment (+=, *=, ...) changes a name; names are single-assignment: "
                            "use a new name", stmt)
        elif isinstance(stmt, ast.AnnAssign):
            raise self.fail("annotated assignments are not part of the snippet language: write name = ...", stmt)
        elif isinstance(stmt, ast.Pass):
            return
        else:
            kind = type(stmt).__name__.lower().replace("functiondef", "def").replace("classdef", "class")
            raise self.fail(f"`{kind}` statements are not part of the snippet language; it has imports of torch, "
                            "tensor assignments, torch.autograd.grad(...)[0] queries and print(name)", stmt)

    def import_(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            if alias.name not in MODULES:
                raise self.fail(f"only torch may be imported (import torch), not {alias.name}", stmt)
            if alias.asname is None:
                self.bind("torch", "torch", stmt)
            else:
                self.bind(alias.asname, alias.name, stmt)

    def import_from(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        if stmt.level or module not in MODULES:
            raise self.fail(f"only torch may be imported, not {'.' * stmt.level}{module}", stmt)
        for alias in stmt.names:
            path = f"{module}.{alias.name}"
            if alias.name == "*" or not (path in MODULES or path in FUNCTIONS or path in (TENSOR, GRAD)
                                         or path in DTYPES):
                raise self.fail(f"from {module} import {alias.name}: not part of the snippet language", stmt)
            self.bind(alias.asname or alias.name, path, stmt)

    def bind(self, name: str, path: str, stmt: ast.stmt) -> None:
        if name in self.tensors or name in self.queries:
            raise self.fail(f"`{name}` is already a tensor; an import cannot replace it", stmt)
        if name in self.bindings and self.bindings[name] != path:
            raise self.fail(f"`{name}` is already imported as {self.bindings[name]}", stmt)
        self.bindings[name] = path

    def check_target(self, stmt: ast.Assign) -> ast.Name:
        if len(stmt.targets) != 1:
            raise self.fail("only one `=` per assignment (chained assignment is not allowed)", stmt.targets[1])
        target = stmt.targets[0]
        if not isinstance(target, ast.Name):
            what = "several names" if isinstance(target, ast.Tuple | ast.List) else "that"
            raise self.fail(f"cannot assign to {what}: the left-hand side is one name", target)
        name = target.id
        if name in self.tensors or name in self.queries:
            first = self.tensors[name].line if name in self.tensors else self.queries[name].line
            raise self.fail(f"`{name}` is already assigned on line {first}; names are single-assignment "
                            f"(use a new name, such as {name}2)", target)
        if name in self.bindings:
            raise self.fail(f"`{name}` is the imported {self.bindings[name]}; choose another name", target)
        if name == "print":
            raise self.fail("`print` is a built-in; choose another name", target)
        return target

    def assign(self, stmt: ast.Assign) -> None:
        target = self.check_target(stmt)
        value = stmt.value
        if isinstance(value, ast.Call) and self.dotted(value.func) == TENSOR:
            self.leaf(target, value)
        elif isinstance(value, ast.Subscript) and isinstance(value.value, ast.Call) \
                and self.dotted(value.value.func) == GRAD:
            self.query(target, value)
        elif isinstance(value, ast.Call) and self.dotted(value.func) == GRAD:
            raise self.fail("torch.autograd.grad(...) gives a tuple: take its element, as "
                            f"{target.id} = torch.autograd.grad(...)[0]", value)
        else:
            self.computed(target, value)

    def expression_statement(self, stmt: ast.Expr) -> None:
        call = stmt.value
        if isinstance(call, ast.Constant) and isinstance(call.value, str):
            raise self.fail("strings are not allowed (not even a docstring); use # comments", call)
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
                and "print" not in self.bindings):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "backward":
                raise self.fail(".backward() is not part of the snippet language; ask for a gradient with "
                                "g = torch.autograd.grad(y, [x])[0]", call)
            self.expression(call)  # a precise complaint about what is inside, if anything
            raise self.fail("a bare expression does nothing: assign it to a name, or print(name)", stmt)
        if call.keywords or len(call.args) != 1:
            raise self.fail("print takes one name: print(y)", call)
        arg = call.args[0]
        item = isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "item" \
            and isinstance(arg.func.value, ast.Name) and not arg.args and not arg.keywords
        if item:
            arg = arg.func.value  # type: ignore[union-attr]
        if not isinstance(arg, ast.Name):
            self.expression(arg)
            raise self.fail("print takes a name: assign the expression first, then print(name) or "
                            "print(name.item())", arg)
        self.use(arg, allow_query=True)
        line, col = self.where(call)
        self.events.append(("print", len(self.prints)))
        self.prints.append(Print(arg.id, line, col, item))

    def use(self, node: ast.Name, allow_query: bool = False) -> None:
        """A name read: a tensor (or a query result, where allowed), defined above."""
        name = node.id
        if name in self.tensors:
            return
        if name in self.queries:
            if allow_query:
                return
            raise self.fail(f"`{name}` is a gradient from torch.autograd.grad; arithmetic on query results "
                            "is not part of the snippet language", node)
        if name in self.bindings:
            raise self.fail(f"`{name}` is the module {self.bindings[name]}, not a tensor", node)
        if name == "torch":
            raise self.fail("`torch` is not imported: add `import torch` at the top", node)
        if name in self.later:
            raise self.fail(f"`{name}` is used before it is defined (line {self.later[name]})", node)
        raise self.fail(f"`{name}` is not defined", node)

    # -- leaves -------------------------------------------------------------------------------------
    def leaf(self, target: ast.Name, call: ast.Call) -> None:
        if len(call.args) != 1:
            raise self.fail(f"torch.tensor takes one number here, got {len(call.args)} arguments", call)
        number, is_int = self.number(call.args[0])
        requires, dtype = False, None
        for kw in call.keywords:
            if kw.arg == "requires_grad":
                if not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool)):
                    raise self.fail("requires_grad= takes True or False", kw.value)
                requires = kw.value.value
            elif kw.arg == "dtype":
                path = self.dotted(kw.value)
                if path not in DTYPES:
                    raise self.fail("dtype= takes torch.float32 or torch.float64", kw.value)
                dtype = DTYPES[path]
            else:
                raise self.fail(f"torch.tensor(..., {kw.arg or '**'}=...): only requires_grad= and dtype= are "
                                "supported", kw.value if kw.arg is None else call)
        if is_int and dtype is None:
            raise self.fail(f"torch.tensor({int(number)}) would be an integer tensor: write {int(number)}. "
                            "for a float tensor", call.args[0])
        line, col = target.lineno, self.col(target.lineno, target.col_offset)
        arg_line, arg_col = self.where(call.args[0])
        self.assignments.append(Assignment(target.id, Num(number, arg_line, arg_col), line, col,
                                           self.source(line) or "", not requires, ()))
        node = ("leaf", target.id)
        self.children[node] = []
        self.saves[node] = False
        self.tensors[target.id] = _Tensor(target.id, True, requires, dtype or "float32", node, line)

    def number(self, node: ast.expr) -> tuple[float, bool]:
        sign, inner = 1.0, node
        while isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub | ast.UAdd):
            if isinstance(inner.op, ast.USub):
                sign = -sign
            inner = inner.operand
        if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
            return sign * self.float_of(inner), isinstance(inner.value, int)
        if isinstance(inner, ast.List | ast.Tuple):
            raise self.fail("only scalar tensors: torch.tensor takes one number here, not a list", inner)
        self.expression(inner)  # complain about anything unsafe first
        raise self.fail("torch.tensor takes a number here, such as torch.tensor(2., requires_grad=True)", inner)

