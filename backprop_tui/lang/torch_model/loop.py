"""The training loop: `for epoch in range(num_epochs):` with the forward, the loss, zero_grad, backward,
step, and the print under its own guard, in an order that trains as torch trains.

One full-batch step per iteration; a nested loop (mini-batches) or a missing zero_grad (gradients that
accumulate across epochs) is refused by name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backprop_tui.lang.torch_model.base import NO_MINIBATCH, is_docstring, keywords
from backprop_tui.lang.torch_model.plan import Loop, PrintStatement
from backprop_tui.lang.torch_model.values import Node, free_names

if TYPE_CHECKING:
    from backprop_tui.lang.torch_model.reader import TopLevel

LOSS = "__loss__"  # the env name of the epoch's loss value (loss.item())
FUNCTIONAL_LOSSES = {
    "torch.nn.functional.cross_entropy": "CrossEntropyLoss", "torch.nn.functional.mse_loss": "MSELoss",
    "torch.nn.functional.binary_cross_entropy": "BCELoss",
    "torch.nn.functional.binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
}


@dataclass
class LoopParts:
    loop: Loop
    x_name: str
    y_name: str
    loss_kind: str | None  # set when the loop calls a functional loss (F.cross_entropy)
    prints: list[PrintStatement] = field(default_factory=list)
    loss_name: str = "loss"
    aliases: set[str] = field(default_factory=set)  # names bound to loss.item()


class LoopReader:
    def __init__(self, top: TopLevel) -> None:
        self.top = top
        self.ctx = top.ctx

    def read(self, stmt: ast.For) -> LoopParts:
        ctx, top = self.ctx, self.top
        if not isinstance(stmt.target, ast.Name):
            raise ctx.fail("the loop variable is one name: for epoch in range(num_epochs):", stmt.target)
        if stmt.orelse:
            raise ctx.fail("for ... else is not supported", stmt.orelse[0])
        var = stmt.target.id
        start, stop, epochs_name = self.range_(stmt.iter)
        self.var = var
        self.epochs_name = epochs_name
        self.parts: LoopParts | None = None
        self.outputs: str | None = None
        self.order: dict[str, ast.AST] = {}
        self.x_name = self.y_name = None
        self.loss_kind: str | None = None
        self.loss_name: str | None = None
        self.aliases: set[str] = set()
        prints: list[PrintStatement] = []
        for s in stmt.body:
            self.statement(s, None, prints)
        for step, what in (("backward", "loss.backward()"), ("step", "optimizer.step()")):
            if step not in self.order:
                raise ctx.fail(f"the loop has no {what}: each epoch here does the forward pass, the loss, "
                               "zero_grad, backward and step", stmt)
        if "zero_grad" not in self.order:
            raise ctx.fail("the loop never calls optimizer.zero_grad(): torch would add every epoch's gradient to "
                           "the last (.grad accumulates), which this tool does not follow; call "
                           "optimizer.zero_grad() before loss.backward()", stmt)
        assert self.x_name and self.y_name and self.loss_name
        loop = Loop(var, start, stop, epochs_name, stmt.lineno)
        top.loop_var, top.loss_name, top.loss_aliases = var, self.loss_name, self.aliases
        return LoopParts(loop, self.x_name, self.y_name, self.loss_kind, prints, self.loss_name, self.aliases)

    # -- range --------------------------------------------------------------------------------------
    def range_(self, node: ast.expr) -> tuple[Node, Node, str | None]:
        ctx = self.ctx
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"):
            if isinstance(node, ast.Call | ast.Name | ast.Attribute) and "loader" in ctx.snippet(node).lower():
                raise ctx.fail(NO_MINIBATCH, node)
            raise ctx.fail(f"the loop runs over range(num_epochs), not `{ctx.snippet(node)}`", node)
        keywords(ctx, node, (), "range(...)")
        if not 1 <= len(node.args) <= 2:
            raise ctx.fail("range(num_epochs) or range(start, stop): a step is not supported", node)
        undefined: list[ast.Name] = []
        stop_node = node.args[-1]
        for sub in ast.walk(stop_node):
            if isinstance(sub, ast.Name) and sub.id not in self.top.constants:
                undefined.append(sub)
        names = {n.id for n in ast.walk(stop_node) if isinstance(n, ast.Name)}
        epochs_name = next(iter(names)) if len(names) == 1 else None
        if undefined and (len({n.id for n in undefined}) > 1 or epochs_name is None):
            raise ctx.fail(f"`{undefined[0].id}` is not defined", undefined[0])
        if epochs_name is not None and not isinstance(self.top.constants.get(epochs_name, 0), int):
            raise ctx.fail(f"range({epochs_name}): {epochs_name} must be a whole number", stop_node)
        dynamic = {epochs_name} if epochs_name else set()
        stop = self.top.compile(stop_node, "the loop's range", dynamic)
        start = self.top.compile(node.args[0], "the loop's range", set()) if len(node.args) == 2 else ("const", 0)
        return start, stop, epochs_name

    # -- the body -----------------------------------------------------------------------------------
    def statement(self, s: ast.stmt, guard: Node | None, prints: list[PrintStatement]) -> None:
        ctx, _top = self.ctx, self.top
        if is_docstring(s) or isinstance(s, ast.Pass):
            return
        if isinstance(s, ast.For | ast.While):
            raise ctx.fail("a loop inside the epoch loop: " + NO_MINIBATCH, s)
        if isinstance(s, ast.If):
            self.if_(s, guard, prints)
            return
        if guard is not None and not _is_print(s):
            raise ctx.fail(f"`{ctx.snippet(s)}` under an `if`: only print(...) is supported under the loop's guard",
                           s)
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
            self.assign(s.targets[0].id, s.value, s)
            return
        if isinstance(s, ast.AugAssign):
            raise ctx.fail(f"`{ctx.snippet(s)}`: accumulating in the loop is not supported (the file's loss "
                           "prints come from loss.item())", s)
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call):
            call = s.value
            if _is_print(s):
                prints.append(self.top.print_statement(call, guard, self.dynamic(), in_loop=True))
                if prints[-1].uses_loss and "loss" not in self.order:
                    raise ctx.fail("this print reads the loss before the loop computes it", call)
                return
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                self.method(func.value.id, func.attr, call, s)
                return
        raise ctx.fail(f"`{ctx.snippet(s)}` is not supported in the training loop (it holds: outputs = model(X), "
                       "loss = criterion(outputs, y), optimizer.zero_grad(), loss.backward(), optimizer.step(), "
                       "print under an if)", s)

    def dynamic(self) -> set[str]:
        return {self.var, *([self.epochs_name] if self.epochs_name else [])}

    def if_(self, s: ast.If, guard: Node | None, prints: list[PrintStatement]) -> None:
        test = self.top.compile(s.test, "the loop's guard", self.dynamic(), loss_ok=False)
        here = test if guard is None else ("bool", "and", (guard, test))
        for sub in s.body:
            self.statement(sub, here, prints)
        if s.orelse:
            other = ("unary", "not", test)
            for sub in s.orelse:
                self.statement(sub, other if guard is None else ("bool", "and", (guard, other)), prints)

    def assign(self, name: str, value: ast.expr, s: ast.stmt) -> None:
        ctx, top = self.ctx, self.top
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == top.model_name:
            if self.outputs is not None:
                raise ctx.fail("the loop runs the model twice; one forward pass per epoch is supported", value)
            self.x_name = self.model_input(value)
            self.outputs = name
            self.order["forward"] = s
            return
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "item" \
                and isinstance(value.func.value, ast.Name) and value.func.value.id == self.loss_name:
            keywords(ctx, value, (), ".item()")
            self.aliases.add(name)
            top.loss_aliases.add(name)
            return
        path = ctx.dotted(value.func) if isinstance(value, ast.Call) else None
        is_criterion = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
            value.func.id in top.criteria
        if is_criterion or path in FUNCTIONAL_LOSSES:
            assert isinstance(value, ast.Call)
            if "loss" in self.order:
                raise ctx.fail("the loop computes a loss twice; one loss per epoch is supported", value)
            if is_criterion:
                keywords(ctx, value, (), "the criterion")
                top.used_criterion = value.func.id  # type: ignore[union-attr]
            else:
                self.loss_kind = FUNCTIONAL_LOSSES[path or ""]
                top.check_loss_keywords(value, self.loss_kind)
            if len(value.args) != 2:
                raise ctx.fail("the loss takes (outputs, targets)", value)
            first, second = value.args
            if isinstance(first, ast.Call) and isinstance(first.func, ast.Name) and first.func.id == top.model_name:
                self.x_name = self.model_input(first)
                self.order["forward"] = first
            elif not (isinstance(first, ast.Name) and first.id == self.outputs):
                raise ctx.fail("the loss's first argument is the model's output (outputs = model(X) above it)", first)
            if not isinstance(second, ast.Name):
                raise ctx.fail("the loss's second argument is the targets, a name (y)", second)
            self.y_name = second.id
            self.loss_name = top.loss_name = name
            self.order["loss"] = s
            return
        raise ctx.fail(f"`{ctx.snippet(s)}` is not supported in the training loop (it assigns outputs = model(X), "
                       "loss = criterion(outputs, y) or value = loss.item())", s)

    def model_input(self, call: ast.Call) -> str:
        keywords(self.ctx, call, (), "the model call")
        if len(call.args) != 1 or not isinstance(call.args[0], ast.Name):
            raise self.ctx.fail("the model takes the inputs by name: model(X)", call)
        return call.args[0].id

    def method(self, obj: str, name: str, call: ast.Call, s: ast.stmt) -> None:
        ctx, top = self.ctx, self.top
        if obj == top.model_name and name in ("train", "eval"):
            top.noop(call, f"{obj}.{name}()")
            return
        if (obj == top.optimizer_name or obj == top.model_name) and name == "zero_grad":
            kw = keywords(ctx, call, ("set_to_none",), f"{obj}.zero_grad()")
            if "set_to_none" in kw and not (isinstance(kw["set_to_none"], ast.Constant)
                                            and isinstance(kw["set_to_none"].value, bool)):
                raise ctx.fail("set_to_none= takes True or False", kw["set_to_none"])
            if "backward" in self.order and "step" not in self.order:
                raise ctx.fail("zero_grad() between backward() and step() clears the gradients the step needs", call)
            self.order.setdefault("zero_grad", s)
            return
        if obj == self.loss_name and name == "backward":
            keywords(ctx, call, (), "loss.backward()")
            if call.args:
                raise ctx.fail("loss.backward() takes no arguments here", call)
            if "loss" not in self.order:
                raise ctx.fail("backward() before the loss is computed", call)
            if "backward" in self.order:
                raise ctx.fail("a second loss.backward(): torch raises RuntimeError: Trying to backward through the "
                               "graph a second time (one backward per epoch is supported)", call)
            self.order["backward"] = s
            return
        if obj == top.optimizer_name and name == "step":
            keywords(ctx, call, (), "optimizer.step()")
            if call.args:
                raise ctx.fail("optimizer.step() takes no arguments here", call)
            if "backward" not in self.order:
                raise ctx.fail("optimizer.step() before loss.backward(): there is no gradient to step with", call)
            if "step" in self.order:
                raise ctx.fail("a second optimizer.step() in one epoch is not supported (one update per epoch)", call)
            self.order["step"] = s
            return
        raise ctx.fail(f"`{ctx.snippet(call)}` is not supported in the training loop", call)


def _is_print(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name) \
        and s.value.func.id == "print"


def reads_loss(node: Node) -> bool:
    return LOSS in free_names(node)
