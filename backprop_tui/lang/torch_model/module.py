"""The model itself: an nn.Module subclass (layers in __init__, the order of operations in forward) or an
nn.Sequential, read into nn.Linear layers in forward order and one activation after each.

The layers are created (and draw their initial weights from torch's generator) in __init__'s order;
forward may use them in another order, so each creation names the forward position it fills.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backprop_tui.lang.torch_model.base import NOT_CPU, Context, is_docstring, keywords
from backprop_tui.lang.torch_model.plan import Layer

ACT_FUNCTIONS = {
    **{f"torch.{f}": f for f in ("relu", "sigmoid", "tanh", "softmax")},
    **{f"torch.nn.functional.{f}": f for f in ("relu", "sigmoid", "tanh", "softmax")},
}
ACT_METHODS = ("relu", "sigmoid", "tanh", "softmax")
ACT_MODULES = {"torch.nn.ReLU": "relu", "torch.nn.Sigmoid": "sigmoid", "torch.nn.Tanh": "tanh",
               "torch.nn.Softmax": "softmax", "torch.nn.Identity": "identity"}
SUPPORTED_LAYERS = ("nn.Linear, nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax(dim=1), nn.Identity and nn.Sequential of "
                    "them")
SUPPORTED_ACTS = ("torch.relu/sigmoid/tanh(x), F.relu/sigmoid/tanh(x), torch.softmax(x, dim=1), x.relu(), or "
                  "an activation module (self.relu = nn.ReLU())")
Number = Callable[[ast.expr, dict[str, Any]], Any]  # (expression, local names) -> int or float


@dataclass
class LinearDef:
    label: str
    inp: int
    out: int
    bias: bool
    line: int
    used_at: int | None = None  # its position in forward order, once forward uses it
    node: ast.AST | None = None  # the nn.Linear(...) call, for messages


@dataclass
class Built:
    """An instantiated model: the layers in forward order, the activation after each, the creations."""

    layers: list[Layer]
    activations: list[str]
    creations: list[LinearDef]  # in creation order (the order torch draws their weights)
    notes: list[str] = field(default_factory=list)


Op = tuple[Any, ...]  # ("linear", LinearDef, node) | ("act", kind, node)


class ModuleReader:
    def __init__(self, ctx: Context, number: Number) -> None:
        self.ctx = ctx
        self.number = number
        self.notes: list[str] = []

    # -- the class --------------------------------------------------------------------------------
    def check_class(self, cls: ast.ClassDef) -> tuple[ast.FunctionDef, ast.FunctionDef]:
        """An nn.Module subclass with __init__ and forward only: those two methods."""
        ctx = self.ctx
        bases = [ctx.dotted(b) for b in cls.bases]
        if len(cls.bases) != 1 or bases[0] != "torch.nn.Module" or cls.keywords or cls.decorator_list:
            raise ctx.fail(f"class {cls.name}: a model class is `class {cls.name}(nn.Module):`", cls)
        methods: dict[str, ast.FunctionDef] = {}
        for stmt in cls.body:
            if is_docstring(stmt) or isinstance(stmt, ast.Pass):
                continue
            if not isinstance(stmt, ast.FunctionDef) or stmt.name not in ("__init__", "forward"):
                what = f"the method {stmt.name}" if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) \
                    else f"`{ctx.snippet(stmt)}`"
                raise ctx.fail(f"class {cls.name}: {what} is not supported; a model class has __init__ and "
                               "forward only", stmt)
            if stmt.decorator_list:
                raise ctx.fail(f"{stmt.name}: decorators are not supported", stmt.decorator_list[0])
            methods[stmt.name] = stmt
        for name in ("__init__", "forward"):
            if name not in methods:
                raise ctx.fail(f"class {cls.name} has no {name} method; a model class defines __init__ (the layers) "
                               "and forward (their order)", cls)
        return methods["__init__"], methods["forward"]

    def instantiate(self, cls: ast.ClassDef, call: ast.Call, globals_: dict[str, Any]) -> Built:
        init, forward = self.check_class(cls)
        scope = dict(globals_)
        scope.update(self._bind_args(cls, init, call))
        attrs: dict[str, Any] = {}  # self.<name> -> LinearDef | ("act", kind) | ("seq", [items]) | a number
        creations: list[LinearDef] = []
        body = [s for s in init.body if not is_docstring(s)]
        if not body or not _is_super_init(self.ctx, body[0], cls.name):
            raise self.ctx.fail(f"{cls.name}.__init__ must start with super().__init__() (torch refuses to assign a "
                                "layer before Module.__init__ has run)", body[0] if body else init)
        for stmt in body[1:]:
            if isinstance(stmt, ast.Pass):
                continue
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == "self"):
                raise self.ctx.fail(f"`{self.ctx.snippet(stmt)}`: __init__ here only assigns self.<name> = a layer "
                                    f"({SUPPORTED_LAYERS}) or a number", stmt)
            assert isinstance(stmt, ast.Assign)
            if target.attr in attrs:
                raise self.ctx.fail(f"self.{target.attr} is assigned twice", target)
            attrs[target.attr] = self.module_value(stmt.value, f"self.{target.attr}", creations, scope, attrs)
        pipeline = self.forward_pipeline(forward, attrs)
        return self.assemble(pipeline, creations, f"{cls.name}.forward")

    def _bind_args(self, cls: ast.ClassDef, init: ast.FunctionDef, call: ast.Call) -> dict[str, Any]:
        a = init.args
        if a.vararg or a.kwarg or a.posonlyargs or a.kwonlyargs:
            raise self.ctx.fail(f"{cls.name}.__init__: *args, **kwargs and keyword-only parameters are not "
                                "supported", init)
        names = [p.arg for p in a.args]
        if not names or names[0] != "self":
            raise self.ctx.fail(f"{cls.name}.__init__ takes self first", init)
        params = names[1:]
        defaults = dict(zip(params[len(params) - len(a.defaults):], a.defaults, strict=True))
        keyed = keywords(self.ctx, call, tuple(params), f"{cls.name}(...)")
        if len(call.args) > len(params):
            raise self.ctx.fail(f"{cls.name}() takes {len(params)} arguments but {len(call.args)} were given "
                                "(Python raises TypeError)", call)
        bound: dict[str, Any] = {}
        for name, arg in zip(params, call.args, strict=False):
            if name in keyed:
                raise self.ctx.fail(f"{cls.name}() got multiple values for argument '{name}'", keyed[name])
            bound[name] = self.number(arg, {})
        for name in params:
            if name in bound:
                continue
            if name in keyed:
                bound[name] = self.number(keyed[name], {})
            elif name in defaults:
                bound[name] = self.number(defaults[name], {})
            else:
                raise self.ctx.fail(f"{cls.name}() is missing the argument '{name}' (Python raises TypeError)", call)
        return bound

    # -- layers -----------------------------------------------------------------------------------
    def module_value(self, node: ast.expr, label: str, creations: list[LinearDef], scope: dict[str, Any],
                     attrs: dict[str, Any] | None = None) -> Any:
        """A layer, an activation module, an nn.Sequential (its items, created in order) or a number."""
        ctx = self.ctx
        path = ctx.dotted(node.func) if isinstance(node, ast.Call) else None
        if path is None or not path.startswith("torch."):
            local = dict(scope)
            if attrs:
                local.update({f"self.{k}": v for k, v in attrs.items() if isinstance(v, int | float)})
            return self.number(node, local)
        assert isinstance(node, ast.Call)
        if path == "torch.nn.Linear":
            return self.linear(node, label, creations, scope)
        if path in ACT_MODULES:
            return ("act", self.activation_module(node, path), node)
        if path == "torch.nn.Sequential":
            keywords(ctx, node, (), "nn.Sequential(...)")
            items = []
            for i, arg in enumerate(node.args):
                item = self.module_value(arg, f"{label}[{i}]", creations, scope)
                if isinstance(item, tuple) and item[0] == "seq":
                    raise ctx.fail("an nn.Sequential inside an nn.Sequential is not supported: list the layers in "
                                   "one", arg)
                if not isinstance(item, LinearDef | tuple):
                    raise ctx.fail(f"nn.Sequential takes layers ({SUPPORTED_LAYERS}), not a number", arg)
                items.append(item)
            return ("seq", items, node)
        name = path.replace("torch.nn.", "nn.")
        if path.startswith("torch.nn.") and path.count(".") == 2:
            raise ctx.fail(f"{name} is not supported: a model here is built from {SUPPORTED_LAYERS}", node)
        raise ctx.fail(f"`{ctx.snippet(node)}` is not supported in a model: it is built from {SUPPORTED_LAYERS}",
                       node)

    def linear(self, call: ast.Call, label: str, creations: list[LinearDef], scope: dict[str, Any]) -> LinearDef:
        ctx = self.ctx
        kw = keywords(ctx, call, ("in_features", "out_features", "bias", "device", "dtype"), "nn.Linear(...)")
        args = list(call.args)
        if len(args) > 3:
            raise ctx.fail("nn.Linear(in_features, out_features, bias=True) takes at most 3 arguments", call)
        for i, key in enumerate(("in_features", "out_features", "bias")):
            if i < len(args):
                if key in kw:
                    raise ctx.fail(f"nn.Linear() got multiple values for argument '{key}'", kw[key])
                kw[key] = args[i]
        sizes = []
        for key in ("in_features", "out_features"):
            if key not in kw:
                raise ctx.fail(f"nn.Linear needs {key} (nn.Linear(in_features, out_features))", call)
            value = self.number(kw[key], scope)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ctx.fail(f"nn.Linear {key} must be a whole number of at least 1, got {value!r}", kw[key])
            sizes.append(value)
        bias = True
        if "bias" in kw:
            b = kw["bias"]
            if not (isinstance(b, ast.Constant) and isinstance(b.value, bool)):
                raise ctx.fail("bias= takes True or False", b)
            bias = b.value
        if "device" in kw:
            check_device(ctx, kw["device"], scope)
        if "dtype" in kw and ctx.dotted(kw["dtype"]) not in ("torch.float32", "torch.float"):
            raise ctx.fail("dtype=: only float32 layers (torch's default) are supported", kw["dtype"])
        layer = LinearDef(label, sizes[0], sizes[1], bias, call.lineno, node=call)
        creations.append(layer)
        return layer

    def activation_module(self, call: ast.Call, path: str) -> str:
        kind = ACT_MODULES[path]
        allowed = {"relu": ("inplace",), "softmax": ("dim",)}.get(kind, ())
        kw = keywords(self.ctx, call, allowed, f"{path.replace('torch.', '')}(...)")
        if kind == "softmax":
            self.softmax_dim(call, kw.get("dim", call.args[0] if call.args else None), "nn.Softmax")
        elif call.args:
            raise self.ctx.fail(f"{path.replace('torch.', '')}() takes no arguments here", call)
        if "inplace" in kw:
            self.notes.append("nn.ReLU(inplace=True): the same numbers as nn.ReLU()")
        return kind

    def softmax_dim(self, call: ast.AST, dim: ast.expr | None, what: str) -> None:
        if dim is None:
            raise self.ctx.fail(f"{what}: give dim=1 (softmax over each row's classes)", call)
        value = self.number(dim, {})
        if value not in (1, -1) or isinstance(value, bool):
            raise self.ctx.fail(f"{what}(dim={value}): only dim=1 (over each row's classes) is supported", dim)

    # -- forward ----------------------------------------------------------------------------------
    def forward_pipeline(self, forward: ast.FunctionDef, attrs: dict[str, Any]) -> list[Op]:
        ctx = self.ctx
        a = forward.args
        names = [p.arg for p in a.args]
        if len(names) != 2 or names[0] != "self" or a.vararg or a.kwarg or a.kwonlyargs or a.defaults:
            raise ctx.fail("forward takes (self, x): one input tensor", forward)
        values: dict[str, list[Op]] = {names[1]: []}
        for stmt in forward.body:
            if is_docstring(stmt):
                continue
            if isinstance(stmt, ast.Return):
                if stmt.value is None:
                    raise ctx.fail("forward must return the output tensor", stmt)
                return self.pipeline(stmt.value, values, attrs)
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                values[stmt.targets[0].id] = self.pipeline(stmt.value, values, attrs)
                continue
            raise ctx.fail(f"`{ctx.snippet(stmt)}` is not supported in forward: it assigns x = layer(x) or "
                           f"activation(x) and returns the output", stmt)
        raise ctx.fail("forward has no return statement", forward)

    def pipeline(self, node: ast.expr, values: dict[str, list[Op]], attrs: dict[str, Any]) -> list[Op]:
        """`self.fc2(torch.relu(self.fc1(x)))` -> [linear fc1, act relu, linear fc2], outside in unwrapped."""
        ctx = self.ctx
        outer: list[Op] = []
        while True:
            if isinstance(node, ast.Name):
                if node.id not in values:
                    raise ctx.fail(f"`{node.id}` is not defined in forward", node)
                return [*values[node.id], *reversed(outer)]
            if not isinstance(node, ast.Call):
                raise ctx.fail(f"`{ctx.snippet(node)}` is not supported in forward (supported: layers and "
                               f"{SUPPORTED_ACTS})", node)
            func = node.func
            path = ctx.dotted(func)
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                item = attrs.get(func.attr)
                if item is None or isinstance(item, int | float):
                    raise ctx.fail(f"self.{func.attr} is not a layer defined in __init__", func)
                keywords(ctx, node, (), f"self.{func.attr}(...)")
                if len(node.args) != 1:
                    raise ctx.fail(f"self.{func.attr}(x) takes one tensor", node)
                ops = item[1] if isinstance(item, tuple) and item[0] == "seq" else [item]
                outer.extend(reversed([self.op(i, node) for i in ops]))
                node = node.args[0]
            elif path in ACT_FUNCTIONS:
                kind = ACT_FUNCTIONS[path]
                kw = keywords(ctx, node, ("dim",) if kind == "softmax" else ("inplace",), f"{_short(path)}(...)")
                if kind == "softmax":
                    self.softmax_dim(node, kw.get("dim", node.args[1] if len(node.args) > 1 else None), _short(path))
                if not node.args or len(node.args) > (2 if kind == "softmax" else 1):
                    raise ctx.fail(f"{_short(path)}(x) takes the tensor first", node)
                outer.append(("act", kind, node))
                node = node.args[0]
            elif isinstance(func, ast.Attribute) and func.attr in ACT_METHODS and path is None:
                kw = keywords(ctx, node, ("dim",) if func.attr == "softmax" else (), f".{func.attr}()")
                if func.attr == "softmax":
                    self.softmax_dim(node, kw.get("dim", node.args[0] if node.args else None), ".softmax")
                elif node.args:
                    raise ctx.fail(f".{func.attr}() takes no arguments", node)
                outer.append(("act", func.attr, node))
                node = func.value
            else:
                name = _short(path) if path else ctx.snippet(func)
                raise ctx.fail(f"{name} is not supported in forward (supported: layers defined in __init__ and "
                               f"{SUPPORTED_ACTS})", node)

    def op(self, item: Any, node: ast.AST) -> Op:
        if isinstance(item, LinearDef):
            return ("linear", item, node)
        return ("act", item[1], node)

    # -- the whole ----------------------------------------------------------------------------------
    def assemble(self, pipeline: list[Op], creations: list[LinearDef], where: str) -> Built:
        ctx = self.ctx
        layers: list[Layer] = []
        acts: list[str] = []
        act_nodes: list[ast.AST] = []
        for kind, item, node in pipeline:
            if kind == "linear":
                if item.used_at is not None:
                    raise ctx.fail(f"{item.label} is used twice in {where}: shared layers are not supported", node)
                if layers and len(acts) < len(layers):
                    acts.append("identity")
                    act_nodes.append(node)
                if layers and item.inp != layers[-1].out:
                    raise ctx.fail(f"{item.label} = nn.Linear({item.inp}, {item.out}) follows a layer with "
                                   f"{layers[-1].out} outputs: torch raises RuntimeError: mat1 and mat2 shapes cannot "
                                   f"be multiplied (rows x {layers[-1].out} and {item.inp} x {item.out})", node)
                item.used_at = len(layers)
                layers.append(Layer(item.label, item.inp, item.out, item.bias, item.line))
            else:
                if not layers:
                    raise ctx.fail(f"{item} before the first layer is not supported: the input goes to an "
                                   "nn.Linear first", node)
                if len(acts) == len(layers):
                    raise ctx.fail(f"two activations in a row ({acts[-1]}, then {item}) are not supported: one "
                                   "activation after each layer", node)
                acts.append(item)
                act_nodes.append(node)
        if not layers:
            raise ctx.fail(f"{where} uses no nn.Linear layer", pipeline[0][2] if pipeline else None)
        if len(acts) < len(layers):
            acts.append("identity")
        for i, act in enumerate(acts[:-1]):
            if act == "softmax":
                raise ctx.fail(f"softmax after {layers[i].label}, between layers, is not supported: a softmax here "
                               "ends the network (hidden layers take relu, sigmoid, tanh or none)", act_nodes[i])
        unused = [c for c in creations if c.used_at is None]
        if unused:
            raise ctx.fail(f"{unused[0].label} is created but {where} never uses it; remove it (it would still "
                           "draw from torch's generator and get no gradient)", unused[0].node)
        return Built(layers, acts, creations, list(self.notes))

    def sequential(self, call: ast.Call, label: str, scope: dict[str, Any]) -> Built:
        """`model = nn.Sequential(...)` at the top level: its items in order."""
        creations: list[LinearDef] = []
        value = self.module_value(call, label, creations, scope)
        assert isinstance(value, tuple) and value[0] == "seq"
        return self.assemble([self.op(i, call) for i in value[1]], creations, label)


def check_device(ctx: Context, node: ast.expr, scope: dict[str, Any]) -> None:
    """"cpu", torch.device("cpu"), or a name bound to one; anything else is refused by name."""
    if isinstance(node, ast.Constant) and node.value == "cpu":
        return
    if isinstance(node, ast.Name) and scope.get(node.id) == ("device", "cpu"):
        return
    if isinstance(node, ast.Call) and ctx.dotted(node.func) == "torch.device" and len(node.args) == 1 \
            and not node.keywords and isinstance(node.args[0], ast.Constant) and node.args[0].value == "cpu":
        return
    raise ctx.fail(f"`{ctx.snippet(node)}`: " + NOT_CPU, node)


def _is_super_init(ctx: Context, stmt: ast.stmt, cls: str) -> bool:
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not stmt.value.keywords):
        return False
    func = stmt.value.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return False
    inner = func.value
    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "super":
        args = inner.args
        ok = not args or (len(args) == 2 and isinstance(args[0], ast.Name) and args[0].id == cls
                          and isinstance(args[1], ast.Name) and args[1].id == "self")
        return ok and not stmt.value.args
    if ctx.dotted(inner) == "torch.nn.Module":
        args = stmt.value.args
        return len(args) == 1 and isinstance(args[0], ast.Name) and args[0].id == "self"
    return False


def _short(path: str | None) -> str:
    return (path or "").replace("torch.nn.functional.", "F.").replace("torch.nn.", "nn.")
