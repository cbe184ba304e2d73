"""Python around the tensors: `for` loops (unrolled), `with torch.no_grad():`, and the statement forms of the
backward idiom (lang.snippet_values reads numbers, prints and views; lang.snippet_grads follows the graph).

Names assigned inside a loop are versioned per iteration by renaming the loop body's `ast.Name` nodes in
place before each statement is read (`loss` -> `loss@2` where the loop variable is 2; a read takes the
latest version), so the single-assignment reader below sees every version as its own name. Python
numbers are folded where they are read; nothing is evaluated but this reader's own arithmetic on numbers.
"""

from __future__ import annotations

import ast

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.program import Program
from backprop_tui.lang.script import Ask, Backward, ScriptProgram
from backprop_tui.lang.snippet_grads import IN_PLACE_METHODS, IN_PLACE_OPS
from backprop_tui.lang.snippet_torch import TENSOR
from backprop_tui.lang.snippet_values import Values, grad_owner, leaf_target
from backprop_tui.lang.source_text import assignments_in


class Script(Values):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.current: dict[str, str] = {}  # a name rebound in a loop -> its version now ("loss" -> "loss@2")
        self.loop: tuple[str, set[str]] | None = None  # (loop variable, the names its body assigns)
        self.loop_iterations = 0  # all loops' iterations so far (limits.LOOP_ITERATIONS)
        self.loops: list[tuple[str, int, int]] = []
        self._names: dict[int, list[tuple[ast.Name, str]]] = {}
        self.unused_queries: set[str] = set()  # queries whose answer is None (allow_unused=True, not used)

    # -- the program --------------------------------------------------------------------------------
    def read(self, tree: ast.Module, output: str | None) -> Program:
        for node in assignments_in(tree):  # names assigned in loop bodies too: for "used before it is defined"
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
                list(stmt.items) if isinstance(stmt, ast.With) else \
                [*stmt.targets, stmt.value] if isinstance(stmt, ast.Assign) else [stmt]
            names = self._names[id(stmt)] = [(n, n.id) for r in roots for n in self.names_of(r)]
        for node, orig in names:
            if isinstance(node.ctx, ast.Store) and isinstance(stmt, ast.Assign):
                node.id = f"{orig}@{self.iteration}" if self.loop and orig in self.loop[1] else orig
            else:
                node.id = self.current.get(orig, orig)

    # -- Python numbers -----------------------------------------------------------------------------
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
        assigned = {t.id for node in assignments_in(stmt) for t in node.targets if isinstance(t, ast.Name)}
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
        grad_of = grad_owner(base)
        if attr == "backward":
            self.backward(call)
        elif attr == "zero_" and grad_of is not None and not call.args and not call.keywords:
            self.reset_grad(grad_of, False, call)
        elif attr in IN_PLACE_METHODS and leaf_target(base) is not None:
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
                and any(n.id == orig for n in self.names_of(value)):
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
        if not self.nonscalar:
            return ()
        return tuple(self.nonscalar[n.id][0] for n in self.names_of(value) if n.id in self.nonscalar)

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
        reached, _ = self.backward_pass(self.tensors[q.of].node, set())
        if self.tensors[q.wrt].node not in reached:
            self.unused_queries.add(q.label)
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

def _in_iteration(err: BadInput, var: str, value: int) -> BadInput:
    if "(in the iteration " in err.message:
        return err
    return BadInput(f"{err.message} (in the iteration {var} = {value})", err.line, err.col, err.source, err.hint)

