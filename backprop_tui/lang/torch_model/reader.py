"""The top level of a model file, statement by statement, into a ModelPlan. Nothing is executed.

Whitelist: imports of torch; number names (input_size = 10); an nn.Module subclass and its instance, or
nn.Sequential; data tensors (data.py); torch.manual_seed; torch.device("cpu"); a loss; optim.SGD; the
training loop (loop.py); prints before and after it; model.train(), model.eval() and .to("cpu") as no-ops;
`if __name__ == "__main__":` around any of it. Anything else is refused with its line and column.
"""

from __future__ import annotations

import ast
from typing import Any

from backprop_tui.errors import BadInput
from backprop_tui.lang.torch_model import checks
from backprop_tui.lang.torch_model.base import NO_MINIBATCH, NOT_CPU, SUPPORTED_SHAPE, Context, is_docstring, keywords
from backprop_tui.lang.torch_model.data import DataTensor, is_data_call, read_tensor
from backprop_tui.lang.torch_model.loop import FUNCTIONAL_LOSSES, LOSS, LoopParts, LoopReader, reads_loss
from backprop_tui.lang.torch_model.module import Built, ModuleReader, check_device
from backprop_tui.lang.torch_model.plan import LOSSES, ModelPlan, PrintStatement
from backprop_tui.lang.torch_model.values import Compiler, EvalError, Node, evaluate

LOSS_CLASSES = {f"torch.nn.{name}": name for name in LOSSES}
NUMBER_NODES = (ast.Constant, ast.Name, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.Load)
SGD_DEFAULTS = {"momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False, "maximize": False,
                "foreach": None, "differentiable": False, "fused": None}
PLAIN_SGD = "the tool steps through plain SGD, p ← p − lr·grad: optim.SGD(model.parameters(), lr=...)"


class TopLevel:
    def __init__(self, text: str) -> None:
        self.ctx = Context(text)
        self.modules = ModuleReader(self.ctx, self.number)
        self.constants: dict[str, Any] = {}
        self.devices: dict[str, tuple[str, str]] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.tensors: dict[str, DataTensor] = {}
        self.statements: list[dict[str, Any]] = []
        self.model_name: str | None = None
        self.model: Built | None = None
        self.class_name: str | None = None
        self.criteria: dict[str, str] = {}
        self.used_criterion: str | None = None
        self.optimizer_name: str | None = None
        self.lr: float | None = None
        self.loop: LoopParts | None = None
        self.loop_var: str | None = None
        self.loss_name: str | None = None
        self.loss_aliases: set[str] = set()
        self.before: list[tuple[ast.Call, dict[str, Any]]] = []  # prints before the loop, compiled after it
        self.after: list[PrintStatement] = []
        self.notes: list[str] = []

    # -- numbers and small expressions -------------------------------------------------------------
    def compile(self, node: ast.expr, what: str, dynamic: set[str], loss_ok: bool = False,
                scope: dict[str, Any] | None = None, constants: dict[str, Any] | None = None) -> Node:
        ctx = self.ctx
        known = self.constants if constants is None else constants

        def resolve(n: ast.expr) -> Node | None:
            if isinstance(n, ast.Name):
                if n.id in dynamic:
                    return ("var", n.id)
                if scope is not None and n.id in scope and isinstance(scope[n.id], int | float | str):
                    return ("const", scope[n.id])
                if n.id in known:
                    return ("const", known[n.id])
                if loss_ok and n.id in self.loss_aliases:
                    return ("var", LOSS)
                raise ctx.fail(self.undefined(n.id), n)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self" \
                    and scope is not None and f"self.{n.attr}" in scope:
                return ("const", scope[f"self.{n.attr}"])
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "item" \
                    and isinstance(n.func.value, ast.Name) and n.func.value.id == self.loss_name and loss_ok:
                keywords(ctx, n, (), ".item()")
                return ("var", LOSS)
            return None

        return Compiler(ctx, resolve).compile(node, what)

    def undefined(self, name: str) -> str:
        if name == self.loss_name:
            return (f"`{name}` is a tensor: print({name}) would show torch's tensor text; print {name}.item() for "
                    "its value")
        if name in self.tensors or name == self.model_name or name in self.criteria:
            return f"`{name}` is not a number here"
        return f"`{name}` is not defined"

    def number(self, node: ast.expr, scope: dict[str, Any]) -> Any:
        try:
            return evaluate(self.compile(node, "this value", set(), scope=scope), {})
        except EvalError as err:
            raise self.ctx.fail(f"Python raises {err}", node) from None

    def noop(self, node: ast.AST, text: str) -> None:
        note = f"{text} is accepted and changes nothing here (no dropout or batch norm; everything runs on the CPU)"
        if note not in self.notes:
            self.notes.append(note)

    # -- statements ---------------------------------------------------------------------------------
    def read(self, tree: ast.Module) -> ModelPlan:
        for stmt in tree.body:
            self.statement(stmt)
        return checks.assemble(self)

    def statement(self, s: ast.stmt) -> None:
        ctx = self.ctx
        if isinstance(s, ast.Import | ast.ImportFrom):
            ctx.import_(s)
        elif isinstance(s, ast.ClassDef):
            self.modules.check_class(s)
            self.classes[s.name] = s
        elif isinstance(s, ast.Assign):
            self.assign(s)
        elif isinstance(s, ast.AnnAssign) and s.value is not None and isinstance(s.target, ast.Name):
            self.bind(s.target.id, s.value, s)
        elif isinstance(s, ast.Expr):
            self.expression(s)
        elif isinstance(s, ast.For):
            if self.loop is not None:
                raise ctx.fail("a second loop: " + NO_MINIBATCH + "; one training loop per file", s)
            self.before_loop_checks(s)
            self.loop = LoopReader(self).read(s)
        elif isinstance(s, ast.If) and _is_main_guard(s):
            for sub in s.body:
                self.statement(sub)
        elif isinstance(s, ast.Pass) or is_docstring(s):
            return
        elif isinstance(s, ast.With):
            raise ctx.fail(f"`with {ctx.snippet(s.items[0].context_expr)}:` is not supported: the file ends with the "
                           "training loop (no evaluation block)", s)
        elif isinstance(s, ast.While):
            raise ctx.fail("a while loop is not supported: train with `for epoch in range(num_epochs):`", s)
        elif isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef):
            raise ctx.fail(f"def {s.name}: functions outside the model class are not supported; " + SUPPORTED_SHAPE, s)
        else:
            raise ctx.fail(f"`{ctx.snippet(s)}` is not supported; " + SUPPORTED_SHAPE, s)

    def assign(self, s: ast.Assign) -> None:
        ctx = self.ctx
        if len(s.targets) != 1:
            raise ctx.fail("one `=` per assignment", s.targets[1])
        target = s.targets[0]
        if isinstance(target, ast.Tuple) and isinstance(s.value, ast.Tuple) \
                and len(target.elts) == len(s.value.elts) and all(isinstance(t, ast.Name) for t in target.elts):
            for t, v in zip(target.elts, s.value.elts, strict=True):
                self.bind(t.id, v, s)  # type: ignore[attr-defined]
            return
        if not isinstance(target, ast.Name):
            raise ctx.fail(f"`{ctx.snippet(target)}`: assign to one name", target)
        self.bind(target.id, s.value, s)

    def bind(self, name: str, value: ast.expr, s: ast.stmt) -> None:
        ctx = self.ctx
        if name in self.tensors and _strip_to(ctx, value, self.devices) is not value \
                and isinstance(_strip_to(ctx, value, self.devices), ast.Name) \
                and _strip_to(ctx, value, self.devices).id == name:  # type: ignore[attr-defined]
            self.noop(value, f"{name}.to(\"cpu\")")
            return
        if name in (self.model_name, self.optimizer_name, *self.tensors, *self.criteria) \
                and not self._model_to(name, value):
            raise ctx.fail(f"`{name}` is assigned twice; the tool reads one model, one loss, one optimizer and "
                           "one X and y", s)
        if self.loop is not None and name not in self.constants:
            raise ctx.fail(f"`{ctx.snippet(s)}` after the training loop is not supported (only prints)", s)
        path = ctx.dotted(value.func) if isinstance(value, ast.Call) else None
        inner = _strip_to(ctx, value, self.devices)
        if is_data_call(ctx, value):
            self.tensors[name] = read_tensor(ctx, name, value, self.number, self.devices)
            self.statements.append(self.tensors[name].statement)
        elif self._model_to(name, value):
            self.noop(value, f"{name}.to(\"cpu\")")
        elif isinstance(inner, ast.Call) and ((isinstance(inner.func, ast.Name) and inner.func.id in self.classes)
                                              or ctx.dotted(inner.func) == "torch.nn.Sequential"):
            self.instantiate(name, inner, value)
        elif path == "torch.device":
            keywords(ctx, value, (), "torch.device(...)")  # type: ignore[arg-type]
            check_device(ctx, value, self.devices)
            self.devices[name] = ("device", "cpu")
        elif isinstance(value, ast.Constant) and value.value == "cpu":
            self.devices[name] = ("device", "cpu")
        elif path in LOSS_CLASSES:
            self.check_loss_keywords(value, LOSS_CLASSES[path])  # type: ignore[arg-type]
            if value.args:  # type: ignore[union-attr]
                raise ctx.fail(f"nn.{LOSS_CLASSES[path]}() takes keywords only here", value)
            self.criteria[name] = LOSS_CLASSES[path]
        elif path is not None and path.startswith("torch.nn.") and path.endswith("Loss"):
            raise ctx.fail(f"{path.replace('torch.', '')} is not supported: the losses are nn.CrossEntropyLoss, "
                           "nn.MSELoss, nn.BCELoss and nn.BCEWithLogitsLoss", value)
        elif path is not None and path.startswith("torch.optim"):
            self.optimizer(name, value)  # type: ignore[arg-type]
        elif path is not None and (path.startswith("torch.utils") or "DataLoader" in path):
            raise ctx.fail(NO_MINIBATCH, value)
        elif isinstance(value, ast.Call) and ctx.snippet(value).startswith(("torch.cuda", "torch.backends")):
            raise ctx.fail(NOT_CPU, value)
        elif isinstance(value, ast.IfExp) and "cuda" in ctx.snippet(value, 200):
            raise ctx.fail(NOT_CPU + ": write device = \"cpu\"", value)
        else:
            if isinstance(value, ast.Call) and path is not None:
                raise ctx.fail(f"{path.replace('torch.nn.', 'nn.')}(...) is not supported; " + SUPPORTED_SHAPE, value)
            if not all(isinstance(n, NUMBER_NODES) for n in ast.walk(value)):
                raise ctx.fail(f"`{name} = {ctx.snippet(value)}` is not supported: a value here is a number, a data "
                               "tensor (torch.randn/rand/randint(...) or torch.tensor([...]), optionally .float(), "
                               ".long(), .to(\"cpu\")), the model, a loss, optim.SGD or torch.device(\"cpu\")", value)
            self.constants[name] = self.number(value, {})

    def _model_to(self, name: str, value: ast.expr) -> bool:
        """`model = model.to(device)`: the same model."""
        inner = _strip_to(self.ctx, value, self.devices)
        return inner is not value and isinstance(inner, ast.Name) and inner.id == name == self.model_name

    def instantiate(self, name: str, call: ast.Call, whole: ast.expr) -> None:
        ctx = self.ctx
        if self.model is not None:
            raise ctx.fail(f"a second model ({name}); the tool reads one", call)
        if isinstance(call.func, ast.Name) and call.func.id in self.classes:
            self.class_name = call.func.id
            self.model = self.modules.instantiate(self.classes[call.func.id], call, self.constants)
        else:
            self.model = self.modules.sequential(call, name, self.constants)
            for layer_def in self.model.creations:
                layer_def.label = f"{name}{layer_def.label[len(name):]}"
        if whole is not call:
            self.noop(whole, f"{name}.to(\"cpu\")")
        self.model_name = name
        for created in self.model.creations:
            assert created.used_at is not None
            self.statements.append({"op": "linear", "layer": created.used_at + 1, "in": created.inp,
                                    "out": created.out, "bias": created.bias, "line": created.line})

    def check_loss_keywords(self, call: ast.Call, kind: str) -> None:
        ctx = self.ctx
        for kw in call.keywords:
            if kw.arg == "reduction":
                if not (isinstance(kw.value, ast.Constant) and kw.value.value == "mean"):
                    raise ctx.fail(f"{kind}(reduction={ctx.snippet(kw.value)}): only reduction=\"mean\" (the default) "
                                   "is supported", kw.value)
                continue
            raise ctx.fail(f"{kind}({kw.arg or '**'}=...) is not supported (only reduction=\"mean\")", kw.value)

    def optimizer(self, name: str, call: ast.Call) -> None:
        ctx = self.ctx
        path = ctx.dotted(call.func) or ""
        short = path.replace("torch.optim.", "optim.")
        if path != "torch.optim.SGD":
            raise ctx.fail(f"{short} is not supported: {PLAIN_SGD}", call)
        if self.optimizer_name is not None:
            raise ctx.fail("a second optimizer; the tool reads one", call)
        kw = {k.arg: k.value for k in call.keywords if k.arg is not None}
        if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
            raise ctx.fail("optim.SGD takes its arguments written out, not unpacked", call)
        args = list(call.args)
        if len(args) > 2:
            raise ctx.fail(f"optim.SGD's third argument is momentum, which is not supported: {PLAIN_SGD}", args[2])
        params = args[0] if args else kw.pop("params", None)
        if not (isinstance(params, ast.Call) and not params.args and not params.keywords
                and isinstance(params.func, ast.Attribute) and params.func.attr == "parameters"
                and isinstance(params.func.value, ast.Name) and params.func.value.id == self.model_name
                and self.model_name is not None):
            raise ctx.fail("optim.SGD's first argument is model.parameters() (all of the model's parameters, "
                           "defined above)", params or call)
        lr_node = args[1] if len(args) > 1 else kw.pop("lr", None)
        if len(args) > 1 and "lr" in kw:
            raise ctx.fail("SGD got lr twice", kw["lr"])
        for key, node in kw.items():
            if not _is_default(key, node):
                raise ctx.fail(f"optim.SGD({key}={ctx.snippet(node)}) is not supported: only lr= ({PLAIN_SGD})", node)
        if lr_node is None:
            self.notes.append("optim.SGD without lr: torch 2.13's default, lr=0.001")
        lr = self.number(lr_node, {}) if lr_node is not None else 0.001
        if isinstance(lr, bool) or not isinstance(lr, int | float) or lr < 0 or lr != lr or lr == float("inf"):
            raise ctx.fail(f"torch raises ValueError: Invalid learning rate: {lr}", lr_node)
        self.optimizer_name, self.lr = name, float(lr)

    def expression(self, s: ast.Expr) -> None:
        ctx = self.ctx
        call = s.value
        if is_docstring(s):
            return
        if not isinstance(call, ast.Call):
            raise ctx.fail(f"`{ctx.snippet(s)}` does nothing; " + SUPPORTED_SHAPE, s)
        path = ctx.dotted(call.func)
        func = call.func
        if path == "torch.manual_seed":
            keywords(ctx, call, (), "torch.manual_seed(...)")
            seed = self.number(call.args[0], {}) if len(call.args) == 1 else None
            if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64:
                raise ctx.fail("torch.manual_seed takes one whole number (0 or more)", call)
            self.statements.append({"op": "manual_seed", "seed": seed, "line": call.lineno})
        elif isinstance(func, ast.Name) and func.id == "print":
            if self.loop is None:
                self.before.append((call, dict(self.constants)))
            else:
                dynamic = {self.loop.loop.var, *([self.loop.loop.epochs_name] if self.loop.loop.epochs_name else [])}
                self.after.append(self.print_statement(call, None, dynamic, in_loop=False))
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id == self.model_name and func.attr in ("train", "eval", "to"):
            if func.attr == "to":
                keywords(ctx, call, (), ".to(...)")
                if len(call.args) != 1:
                    raise ctx.fail(".to(...) takes the device here: .to(\"cpu\")", call)
                check_device(ctx, call.args[0], self.devices)
            elif call.args or call.keywords:
                raise ctx.fail(f"{self.model_name}.{func.attr}() takes no arguments here", call)
            self.noop(call, f"{self.model_name}.{func.attr}(" + ('"cpu"' if func.attr == "to" else "") + ")")
        elif path is not None and path.startswith(("torch.cuda", "torch.backends")):
            raise ctx.fail(NOT_CPU, call)
        elif path == "torch.set_default_dtype":
            raise ctx.fail("torch.set_default_dtype is not supported: models here are float32, torch's default", call)
        else:
            raise ctx.fail(f"`{ctx.snippet(call)}` is not supported; " + SUPPORTED_SHAPE, call)

    def print_statement(self, call: ast.Call, guard: Node | None, dynamic: set[str], in_loop: bool,
                        constants: dict[str, Any] | None = None) -> PrintStatement:
        ctx = self.ctx
        kw = keywords(ctx, call, ("sep", "end", "flush"), "print(...)")
        sep = " "
        if "sep" in kw:
            if not (isinstance(kw["sep"], ast.Constant) and isinstance(kw["sep"].value, str)):
                raise ctx.fail("sep= takes a string", kw["sep"])
            sep = kw["sep"].value
        if "end" in kw and not (isinstance(kw["end"], ast.Constant) and kw["end"].value == "\n"):
            raise ctx.fail("print(end=...) is not supported: each print is one line", kw["end"])
        loss_ok = self.loss_name is not None
        args = tuple(self.compile(a, "the print", dynamic, loss_ok=loss_ok, constants=constants) for a in call.args)
        return PrintStatement(args, sep, guard, call.lineno, any(reads_loss(a) for a in args))

    def before_loop_checks(self, s: ast.For) -> None:
        if self.model is None:
            raise self.ctx.fail("the training loop comes before the model is defined", s)


def _strip_to(ctx: Context, node: ast.expr, devices: dict[str, Any]) -> ast.expr:
    """`X.to("cpu")` -> X (the device checked); anything else unchanged."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "to" \
            and ctx.dotted(node.func) is None:
        keywords(ctx, node, (), ".to(...)")
        if len(node.args) != 1:
            raise ctx.fail(".to(...) takes the device here: .to(\"cpu\")", node)
        check_device(ctx, node.args[0], devices)
        node = node.func.value
    return node


def _is_default(key: str, node: ast.expr) -> bool:
    """An SGD keyword written with its default value (momentum=0, nesterov=False): the same plain SGD."""
    if key not in SGD_DEFAULTS or not isinstance(node, ast.Constant):
        return False
    default, value = SGD_DEFAULTS[key], node.value
    if default is None or value is None:
        return default is value
    return isinstance(value, bool) == isinstance(default, bool) and isinstance(value, int | float) and value == default


def _is_main_guard(s: ast.If) -> bool:
    t = s.test
    return not s.orelse and isinstance(t, ast.Compare) and isinstance(t.left, ast.Name) and t.left.id == "__name__" \
        and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq) and isinstance(t.comparators[0], ast.Constant) \
        and t.comparators[0].value == "__main__"


def read_model(text: str) -> ModelPlan:
    """Read a PyTorch model file (never run): raises BadInput naming line and column."""
    from backprop_tui.lang.snippet import _parse_ast  # the project's one safe ast.parse (deep texts too)

    text = text.replace("\r\n", "\n").removeprefix("\ufeff")
    if "\x00" in text:
        raise BadInput("the file contains a NUL byte: is it a binary file?")
    return TopLevel(text).read(_parse_ast(text))


__all__ = ["FUNCTIONAL_LOSSES", "TopLevel", "read_model"]
