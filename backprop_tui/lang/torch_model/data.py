"""Data tensors a model file defines: torch.randn / rand / randint draws and torch.tensor literals.

Read into plan statements (plain JSON; the referee makes the tensors with torch itself, so dtype
conversion and the random draws are torch's own) plus the shape and dtype the reader checks against the
model and the loss, as torch would, before anything runs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from backprop_tui import limits
from backprop_tui.lang.torch_model.base import Context, keywords
from backprop_tui.lang.torch_model.module import check_device

MAX_CELLS = limits.MODEL_DATA_CELLS
FLOATS = {"torch.float32": "float32", "torch.float": "float32"}
INTS = {"torch.int64": "int64", "torch.long": "int64"}
DRAWS = ("torch.randn", "torch.rand", "torch.randint", "torch.tensor")


@dataclass(frozen=True)
class DataTensor:
    name: str
    shape: tuple[int, ...]
    dtype: str  # "float32" | "int64"
    line: int
    statement: dict[str, Any]  # its plan statement
    values: tuple[float, ...] | None = None  # a literal's numbers (flattened), for checks such as class range
    low: int | None = None  # randint's range [low, high)
    high: int | None = None
    node: ast.AST | None = None


def is_data_call(ctx: Context, node: ast.expr) -> bool:
    """torch.randn/rand/randint/tensor(...), possibly followed by .float(), .long() or .to("cpu")."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
            "float", "long", "to") and ctx.dotted(node.func) is None:
        node = node.func.value
    return isinstance(node, ast.Call) and ctx.dotted(node.func) in DRAWS


def read_tensor(ctx: Context, name: str, node: ast.expr, number: Any, scope: dict[str, Any]) -> DataTensor:
    """One data statement; `number(expr, scope)` gives a constant's value."""
    conversions: list[str] = []
    outer = node
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
            "float", "long", "to") and ctx.dotted(node.func) is None:
        if node.func.attr == "to":
            keywords(ctx, node, (), ".to(...)")
            if len(node.args) != 1:
                raise ctx.fail(".to(...) takes the device here: .to(\"cpu\")", node)
            check_device(ctx, node.args[0], scope)
        else:
            if node.args or node.keywords:
                raise ctx.fail(f".{node.func.attr}() takes no arguments", node)
            conversions.append(node.func.attr)
        node = node.func.value
    assert isinstance(node, ast.Call)
    path = ctx.dotted(node.func)
    tensor = _literal(ctx, name, node) if path == "torch.tensor" else _draw(ctx, name, node, path or "", number, scope)
    for conv in reversed(conversions):  # innermost first
        dtype = "float32" if conv == "float" else "int64"
        if dtype != tensor.dtype:
            if dtype == "int64" and tensor.values is not None:
                raise ctx.fail(".long() of a float literal: write whole numbers (torch.tensor([0, 1]))", outer)
            statement = {**tensor.statement, "dtype": dtype}
            tensor = DataTensor(name, tensor.shape, dtype, tensor.line, statement, tensor.values, tensor.low,
                                tensor.high, outer)
    return tensor


def _draw(ctx: Context, name: str, call: ast.Call, path: str, number: Any, scope: dict[str, Any]) -> DataTensor:
    op = path.split(".")[-1]
    kw = keywords(ctx, call, ("size", "dtype", "device", *(("low", "high") if op == "randint" else ())),
                  f"torch.{op}(...)")
    if "device" in kw:
        check_device(ctx, kw["device"], scope)
    args = list(call.args)
    low = high = None
    if op == "randint":
        ints = [a for a in args if not isinstance(a, ast.Tuple | ast.List)]
        shape_args = [a for a in args if isinstance(a, ast.Tuple | ast.List)]
        if len(shape_args) > 1 or (shape_args and args[-1] is not shape_args[0]):
            raise ctx.fail("torch.randint(low, high, (size,)): the size comes last, as a tuple", call)
        bounds = [number(a, scope) for a in ints]
        if "low" in kw:
            bounds = [number(kw["low"], scope), *bounds]
        if "high" in kw:
            bounds = [*bounds, number(kw["high"], scope)]
        if len(bounds) == 1:
            bounds = [0, *bounds]
        if len(bounds) != 2 or not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            raise ctx.fail("torch.randint(low, high, (size,)) takes whole-number bounds", call)
        low, high = bounds
        if low >= high:
            raise ctx.fail(f"torch.randint({low}, {high}, ...): torch raises RuntimeError: random_ expects 'from' "
                           "to be less than 'to'", call)
        args = shape_args
    shape = _shape(ctx, call, args, kw.get("size"), number, scope, op)
    default = "int64" if op == "randint" else "float32"
    dtype = default
    if "dtype" in kw:
        got = ctx.dotted(kw["dtype"])
        table = {**FLOATS, **(INTS if op == "randint" else {})}
        if got not in table:
            raise ctx.fail(f"torch.{op}(dtype=...): supported: {', '.join(sorted(table))} (float64 data would not "
                           "meet a float32 model)", kw["dtype"])
        dtype = table[got]
    statement: dict[str, Any] = {"op": op, "name": name, "size": list(shape), "dtype": dtype, "line": call.lineno}
    if op == "randint":
        statement.update(low=low, high=high)
    return DataTensor(name, shape, dtype, call.lineno, statement, None, low, high, call)


def _shape(ctx: Context, call: ast.Call, args: list[ast.expr], size: ast.expr | None, number: Any,
           scope: dict[str, Any], op: str) -> tuple[int, ...]:
    if size is not None:
        if args:
            raise ctx.fail(f"torch.{op}: give the size once", size)
        args = [size]
    if len(args) == 1 and isinstance(args[0], ast.Tuple | ast.List):
        args = list(args[0].elts)
    if not args:
        raise ctx.fail(f"torch.{op} needs a size, such as torch.{op}(100, 10)", call)
    dims = []
    for a in args:
        v = number(a, scope)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ctx.fail(f"a size must be a whole number of at least 1, got {v!r}", a)
        dims.append(v)
    if len(dims) > 2:
        raise ctx.fail(f"torch.{op}: data here is rows (N,) or rows x columns (N, D), not {len(dims)} dimensions", call)
    cells = dims[0] * (dims[1] if len(dims) > 1 else 1)
    if cells > MAX_CELLS:
        raise ctx.fail(f"{cells:,} numbers is beyond the limit of {MAX_CELLS:,} for one data tensor "
                       f"{limits.named('MODEL_DATA_CELLS')}", call)
    return tuple(dims)


def _literal(ctx: Context, name: str, call: ast.Call) -> DataTensor:
    kw = keywords(ctx, call, ("dtype", "requires_grad"), "torch.tensor(...)")
    if len(call.args) != 1:
        raise ctx.fail("torch.tensor takes one list of numbers", call)
    if "requires_grad" in kw and not (isinstance(kw["requires_grad"], ast.Constant)
                                      and kw["requires_grad"].value is False):
        raise ctx.fail("data tensors do not take requires_grad=True here (the parameters are the layers')",
                       kw["requires_grad"])
    rows, shape, any_float = _rows(ctx, call.args[0])
    dtype = "float32" if any_float else "int64"
    if "dtype" in kw:
        got = ctx.dotted(kw["dtype"])
        if got not in {**FLOATS, **INTS}:
            raise ctx.fail(f"torch.tensor(dtype=...): supported: {', '.join(sorted({**FLOATS, **INTS}))}", kw["dtype"])
        dtype = {**FLOATS, **INTS}[got]
        if dtype == "int64" and any_float:
            raise ctx.fail("dtype=torch.long with fractional numbers: write whole numbers", kw["dtype"])
    statement = {"op": "tensor", "name": name, "data": rows, "dtype": dtype, "line": call.lineno}
    flat = tuple(v for r in rows for v in (r if isinstance(r, list) else [r]))
    return DataTensor(name, shape, dtype, call.lineno, statement, flat, None, None, call)


def _rows(ctx: Context, node: ast.expr) -> tuple[list[Any], tuple[int, ...], bool]:
    """A literal list of numbers or of equal-length lists of numbers: (nested lists, shape, any float)."""
    if not isinstance(node, ast.List | ast.Tuple) or not node.elts:
        raise ctx.fail("torch.tensor here takes a non-empty list of numbers, or of rows of numbers", node)
    if len(node.elts) > MAX_CELLS:
        raise ctx.fail(f"more than {MAX_CELLS:,} numbers in one data tensor {limits.named('MODEL_DATA_CELLS')}",
                       node)
    nested = isinstance(node.elts[0], ast.List | ast.Tuple)
    out: list[Any] = []
    any_float = False
    width = None
    cells = 0
    for row in node.elts:
        if nested != isinstance(row, ast.List | ast.Tuple):
            raise ctx.fail("torch raises ValueError: every row must be a list (or every entry a number)", row)
        items = row.elts if isinstance(row, ast.List | ast.Tuple) else [row]
        if nested:
            if width is None:
                width = len(items)
            elif len(items) != width:
                raise ctx.fail(f"torch raises ValueError: expected sequence of length {width} at dim 1 (got "
                               f"{len(items)})", row)
        values = []
        for item in items:
            v, is_float = _number(ctx, item)
            any_float = any_float or is_float
            values.append(v)
        cells += len(values)
        if cells > MAX_CELLS:
            raise ctx.fail(f"more than {MAX_CELLS:,} numbers in one data tensor "
                           f"{limits.named('MODEL_DATA_CELLS')}", row)
        out.append(values if nested else values[0])
    if nested and not width:
        raise ctx.fail("torch.tensor rows here hold at least one number", node)
    shape = (len(out), width) if nested else (len(out),)
    return out, shape, any_float  # type: ignore[return-value]


def _number(ctx: Context, node: ast.expr) -> tuple[float, bool]:
    sign, inner = 1, node
    while isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub | ast.UAdd):
        sign = -sign if isinstance(inner.op, ast.USub) else sign
        inner = inner.operand
    if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
        value = inner.value
        if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
            raise ctx.fail("the data holds a number that is not finite", node)
        if isinstance(value, int) and abs(value) > 2**63 - 1:
            raise ctx.fail("torch raises RuntimeError: Overflow when unpacking long", node)
        return sign * value, isinstance(value, float)
    raise ctx.fail(f"`{ctx.snippet(node)}`: a data literal holds numbers only", node)
