"""The backward idiom in the snippet dialect: `.backward()`, `.grad` and its resets, in-place updates of
leaves under `torch.no_grad()`, `.detach()`, `.requires_grad_()` and `.retain_grad()`, each recorded as an
event of the script (lang.script), with torch's refusals in torch's words (torch 2.13, checked against real
torch by tests/lang/test_snippet_backward.py).

Which `.grad` is None at each read is decided from the graph's structure: a leaf's .grad is set by the
first backward pass that reaches it and stays set (accumulating) until `x.grad = None`. In-place updates
bump the leaf's version, as torch's version counter does; a backward through a node that saved the leaf
at an older version is torch's "modified by an inplace operation" error. Which operands an operation
saves is torch's (derivatives.yaml): SAVES below.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from backprop_tui import limits
from backprop_tui.lang.expr import Expr, Num, Op, Ref
from backprop_tui.lang.script import At, Backward, Compute, Event, Leaf, Reset, RetainGrad, TorchWarning, Update
from backprop_tui.lang.snippet_statements import Statements
from backprop_tui.lang.snippet_torch import TORCH_OF_NO_GRAD, _Tensor

TORCH_NON_SCALAR = "grad can be implicitly created only for scalar outputs"
TORCH_INPLACE_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
TORCH_VERSION = ("one of the variables needed for gradient computation has been modified by an inplace operation: "
                 "[torch.{kind}Tensor []] is at version {now}; expected version {then} instead. Hint: enable "
                 "anomaly detection to find the operation that failed to compute its gradient, with "
                 "torch.autograd.set_detect_anomaly(True, check_nan=False).")
TORCH_NONLEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.")
TORCH_RETAIN_CONSTANT = "can't retain_grad on Tensor that has requires_grad=False"
IN_PLACE_OPS = {ast.Sub: "sub", ast.Add: "add", ast.Mult: "mul", ast.Div: "div"}
IN_PLACE_METHODS = {"sub_": "sub", "add_": "add", "mul_": "mul", "div_": "div"}
# unary operations whose backward reads their input (the others read their result, or nothing)
SAVES_INPUT = ("log", "abs", "sin", "cos", "square", "softplus")


def saved_operands(op: Op, requires: list[bool], tensor: list[bool]) -> list[int]:
    """Which operands torch's backward of `op` saves (torch 2.13): mul saves each factor when the other
    needs a gradient; div its numerator when the denominator needs one, its denominator when either does;
    pow its tensor base and exponent; log, abs, sin, cos, square, softplus their input."""
    name = op.op
    if name == "mul":
        return [k for k in (0, 1) if tensor[k] and requires[1 - k]]
    if name == "div":
        if not tensor[0]:
            return []  # a number over a tensor is reciprocal(), which saves its result
        out = [0] if requires[1] else []
        return out + ([1] if tensor[1] and (requires[0] or requires[1]) else [])
    if name == "pow":
        return [k for k in (0, 1) if tensor[k]]
    if name in SAVES_INPUT:
        return [0]
    return []


class Grads(Statements):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.script: list[Event] = []
        self.scripted = False  # a feature only the script engine follows has been used
        self.iteration: int | None = None  # the loop variable's value while a loop body is read
        self.no_grad = False  # inside `with torch.no_grad():`
        self.grad_set: dict[str, bool] = {}  # tensor -> its .grad is a tensor now (not None)
        self.retained: set[str] = set()
        self.grad_holders: set[str] = set()  # the tensors a backward fills .grad of: leaves and retained ones
        self.versions: dict[str, int] = {}  # leaf -> torch's version counter (in-place updates so far)
        self.data_versions: dict[str, int] = {}  # leaf -> changes made through .data (no version bump)
        self.saved: dict[object, list[tuple[str, int, int]]] = {}  # graph node -> (leaf, version, data version)
        self.used: set[str] = set()  # leaves some recorded operation reads
        self.views: dict[str, tuple[str, str]] = {}  # "w.grad" -> ("grad", "w"); "x.detach()" -> ("detach", "x")
        self.torch_warnings: list[TorchWarning] = []
        self.backwards = 0
        self.step_work = 0  # an estimate of the steps the engine will make (limits.STEPS)
        self.numbers: dict[str, int | float] = {}  # Python number variables (and loop variables)
        self.nonscalar: dict[str, tuple[int, int]] = {}  # a list tensor -> (how many numbers, its line)
        self.display = False  # building an update's display form: numbers and .grad by their names

    def at(self, node: ast.AST) -> At:
        line, col = self.where(node)
        return At(line, col, self.iteration)

    def count_steps(self, n: int, node: ast.AST) -> None:
        self.step_work += n
        if self.step_work > limits.STEPS:
            raise self.fail(limits.over("STEPS", None, "the steps this program needs (its loops unrolled)",
                                        "run fewer iterations").message, node)

    # -- leaves and computed tensors, recorded as events --------------------------------------------
    def leaf(self, target: ast.Name, call: ast.Call) -> None:
        super().leaf(target, call)
        self.record_leaf(target.id, None)

    def record_leaf(self, name: str, copy_of: str | None) -> None:
        t = self.tensors[name]
        a = self.assignments[-1]
        value = a.expr.value if copy_of is None else None  # type: ignore[union-attr]
        self.versions[name] = self.data_versions[name] = 0
        self.grad_holders.add(name)
        self.script.append(Leaf(name, value, copy_of, t.requires, t.dtype, At(a.line, a.col, self.iteration)))
        self.count_steps(1, ast.Pass(lineno=a.line, col_offset=0))

    def copy_leaf(self, target: ast.Name, source: ast.Name, requires: bool) -> None:
        """`z = y.detach()` (requires False) or `z = y.detach().requires_grad_()`: a new leaf, y's value."""
        self.use(source)
        line, col = target.lineno, self.col(target.lineno, target.col_offset)
        from backprop_tui.lang.expr import Assignment

        self.assignments.append(Assignment(target.id, Num(0.0, line, col), line, col, self.source(line) or "",
                                           not requires, ()))
        node = ("leaf", target.id)
        self.children[node], self.saves[node] = [], False
        self.tensors[target.id] = _Tensor(target.id, True, requires, self.tensors[source.id].dtype, node, line)
        self.scripted = True
        self.record_leaf(target.id, source.id)

    def set_requires(self, name_node: ast.Name, flag: bool, node: ast.AST) -> None:
        """`w.requires_grad_()`, `w.requires_grad_(False)`, `w.requires_grad = True` on a leaf not used yet."""
        self.use(name_node)
        name = name_node.id
        t = self.tensors[name]
        if not t.leaf:
            if flag and t.requires:
                return  # torch: a no-op
            raise self.torch_refuses(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
                node, f"{name} is computed, not a leaf", "this call")
        if name in self.used and flag != t.requires:
            raise self.fail(f"set requires_grad on {name} before {name} is used: the operations recorded "
                            "earlier would not track it (not followed here)", node)
        t.requires = flag
        for i in range(len(self.assignments) - 1, -1, -1):
            if self.assignments[i].name == name:
                self.assignments[i] = replace(self.assignments[i], constant=not flag)
                break
        for i in range(len(self.script) - 1, -1, -1):
            event = self.script[i]
            if isinstance(event, Leaf) and event.name == name:
                self.script[i] = replace(event, requires=flag)
                break

    def computed(self, target: ast.Name, value: ast.expr) -> None:
        super().computed(target, value)
        t = self.tensors[target.id]
        if self.no_grad:
            self.scripted = True
            t.requires, t.node = False, ("none", target.id)
        a = self.assignments[-1]
        self.used.update(n for n in a.reads if self.tensors[n].leaf)
        limits.check("STATEMENTS", len(self.assignments), "the number of statements (loops unrolled)",
                     "run fewer iterations, or split the program")
        self.script.append(Compute(a, a.name.split("@", 1)[0], t.dtype, At(a.line, a.col, self.iteration),
                                   self.no_grad))
        self.count_steps(1 + 2 * len(a.reads), value)

    def add_graph(self, expr: Expr) -> object:
        root = super().add_graph(expr)
        stack = [expr]
        while stack:  # which leaves each new node saved, at which version (torch's version counter)
            node = stack.pop()
            if not isinstance(node, Op):
                continue
            stack.extend(node.args)
            if id(node) not in self.children or id(node) in self.saved:
                continue
            requires = [self.requires_of(a) for a in node.args]
            tensor = [not isinstance(a, Num) for a in node.args]
            kept = []
            for k in saved_operands(node, requires, tensor):
                arg = node.args[k]
                if isinstance(arg, Ref) and self.tensors[arg.name].leaf and arg.name in self.versions:
                    kept.append((arg.name, self.versions[arg.name], self.data_versions[arg.name]))
            self.saved[id(node)] = kept
        return root

    def requires_of(self, expr: Expr) -> bool:
        if isinstance(expr, Num):
            return False
        if isinstance(expr, Ref):
            return self.tensors[expr.name].requires
        return id(expr) in self.children

    # -- backward() ---------------------------------------------------------------------------------
    def backward(self, call: ast.Call) -> None:
        func = call.func
        assert isinstance(func, ast.Attribute)
        if not isinstance(func.value, ast.Name):
            self.expression(func.value)
            raise self.fail("call .backward() on a name: assign the expression first (loss = ...; "
                            "loss.backward())", func.value)
        retain = False
        if call.args:
            raise self.fail("backward() takes no gradient argument here: its output is a scalar", call.args[0])
        for kw in call.keywords:
            if kw.arg == "retain_graph":
                retain = bool(self.flag("retain_graph", kw.value))
            elif kw.arg == "create_graph" and self.flag("create_graph", kw.value) is not True:
                continue
            else:
                raise self.fail(f"backward({kw.arg or '**'}=...) is not supported; supported: retain_graph=",
                                kw.value)
        name = func.value.id
        if name in self.nonscalar:
            raise self.torch_refuses(TORCH_NON_SCALAR, call, f"{name} holds {self.nonscalar[name][0]} numbers: "
                                     f"backward() needs a scalar, such as {name}.sum() (only scalar tensors are "
                                     "read here)", f"{name}.backward()")
        self.use(func.value)
        t = self.tensors[name]
        if not t.requires:
            why = "a constant: torch.tensor(...) without requires_grad=True" if t.leaf else \
                "computed from constants only" if not self.no_grad else "computed under torch.no_grad()"
            raise self.torch_refuses(TORCH_OF_NO_GRAD, call, f"{name} is {why}", f"{name}.backward()")
        captured = {self.tensors[n].node for n in self.grad_holders if self.tensors[n].requires}
        reached, executed = self.backward_pass(t.node, captured)
        self.query_work += len(reached)
        if self.query_work > limits.QUERY_WORK:
            raise self.fail(limits.over("QUERY_WORK", None, "the work of this program's backward passes and "
                                        "queries (the graph each walks)", "run fewer passes").message, call)
        self.check_not_freed(executed, call, f"{name}.backward()")
        self.check_versions(executed, call, f"{name}.backward()")
        if not retain:
            self.free(executed, "backward()")
        for n in self.grad_holders:
            if self.tensors[n].requires and self.tensors[n].node in reached:
                self.grad_set[n] = True
        self.backwards += 1
        self.scripted = True
        self.script.append(Backward(name, retain, self.backwards, self.at(call)))
        self.count_steps(2 * len(reached), call)

    def check_versions(self, executed: list[object], call: ast.AST, what: str) -> None:
        for node in executed:
            for leaf, version, data_version in self.saved.get(node, ()):
                if self.versions[leaf] != version:
                    kind = "Double" if self.tensors[leaf].dtype == "float64" else "Float"
                    raise self.torch_refuses(TORCH_VERSION.format(kind=kind, now=self.versions[leaf], then=version),
                                             call, f"{leaf} was updated in place after this graph saved it", what)
                if self.data_versions[leaf] != data_version:
                    raise self.fail(f"{leaf}.data was changed after this graph saved {leaf}: torch would use the "
                                    "new value in this backward pass, without an error (not followed here)", call)

    # -- .grad: reads, resets, retain_grad ----------------------------------------------------------
    def grad_is_set(self, name_node: ast.Name, node: ast.AST) -> bool:
        """Whether name.grad is a tensor here; a non-leaf's read also records torch's UserWarning."""
        self.use(name_node)
        name = name_node.id
        t = self.tensors[name]
        self.scripted = True
        if not t.leaf and name not in self.retained:
            self.torch_warnings.append(TorchWarning("UserWarning", TORCH_NONLEAF_GRAD, self.at(node)))
        return self.grad_set.get(name, False)

    def why_none(self, name: str) -> str:
        t = self.tensors[name]
        if not t.leaf and name not in self.retained:
            return f"{name} is not a leaf: backward() fills .grad of leaves only (or call {name}.retain_grad())"
        if not t.requires:
            return f"{name} does not require grad"
        return f"no backward() has reached {name} since its .grad was last None"

    def reset_grad(self, name_node: ast.Name, to_none: bool, node: ast.AST) -> None:
        self.use(name_node)
        name = name_node.id
        if not to_none and not self.grad_set.get(name, False):
            raise self.fail(f"{name}.grad is None here ({self.why_none(name)}): Python raises AttributeError: "
                            "'NoneType' object has no attribute 'zero_'", node)
        if to_none:
            self.grad_set[name] = False
        self.scripted = True
        self.script.append(Reset(name, to_none, self.at(node)))
        self.count_steps(1, node)

    def retain_grad(self, name_node: ast.Name, node: ast.AST) -> None:
        self.use(name_node)
        name = name_node.id
        t = self.tensors[name]
        if not t.requires:
            raise self.torch_refuses(TORCH_RETAIN_CONSTANT, node, f"{name} needs no gradient", "this call")
        if not t.leaf:
            self.retained.add(name)
            self.grad_holders.add(name)
            self.script.append(RetainGrad(name, self.at(node)))
        self.scripted = True

    # -- in-place updates ---------------------------------------------------------------------------
    def update(self, stmt: ast.stmt, target: ast.expr, op: str, value: ast.expr) -> None:
        """`w -= lr * w.grad`, `w.sub_(...)`, `w.data -= ...`: the leaf w takes a new value, in place."""
        via_data = isinstance(target, ast.Attribute) and target.attr == "data"
        leaf = target.value if via_data else target  # type: ignore[attr-defined]
        if not isinstance(leaf, ast.Name):
            raise self.fail("an in-place update here is of a leaf by name: w -= lr * w.grad", target)
        self.use(leaf)
        name = leaf.id
        t = self.tensors[name]
        if not t.leaf:
            raise self.fail(f"{name} is computed, not a leaf: in-place updates here are of leaves (parameters), "
                            f"inside `with torch.no_grad():`; names are single-assignment: use a new name", stmt)
        if t.requires and not self.no_grad and not via_data:
            raise self.torch_refuses(TORCH_INPLACE_LEAF, stmt, f"update {name} inside `with torch.no_grad():` "
                                     f"(or through {name}.data)", "this update")
        expr, _ = self.expression(value)
        if not self.no_grad and any(self.tensors[r].requires for r in _refs(expr)):
            raise self.fail("outside torch.no_grad(), an in-place update here takes numbers and tensors that need "
                            "no gradient", value)
        line, col = self.where(stmt)
        new = Op(op, (Ref(name, line, col), expr), line, col)
        self.display = True
        try:
            shape_expr, _ = self.expression(value)
        finally:
            self.display = False
        shape = Op(op, (Ref(name), shape_expr))
        if via_data:
            self.data_versions[name] += 1
        else:
            self.versions[name] += 1
        self.scripted = True
        self.script.append(Update(name, new, shape, (self.source(line) or "").strip(), At(line, col, self.iteration),
                                  via_data))
        self.count_steps(1, stmt)


def _refs(expr: Expr) -> list[str]:
    from backprop_tui.lang.expr import refs

    return [r.name for r in refs(expr)]
