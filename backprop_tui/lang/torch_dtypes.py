"""torch's dtypes in the snippet dialect: float32 by default, float64 where the program says so.

    w = torch.tensor(2., requires_grad=True)                        float32 (torch's default dtype)
    v = torch.tensor(2., requires_grad=True, dtype=torch.float64)   float64 (also torch.double)
    y = w.double() * v      y = w.to(torch.float64)      z = y.float()      z = y.to(dtype=torch.float32)

A cast is an operation of its own in the program ("double" or "float", value and derivative 1, torch's
ToCopyBackward0), so the engine's float32 emulation rounds there and the float64 figures pass through.
A cast to the dtype a tensor already has returns the tensor itself in torch (no copy, no grad_fn): it is
dropped here. The dtype of an operation follows torch's promotion for 0-dim tensors: float64 if any
tensor operand is float64, else float32; a Python number never promotes (x * 0.1 stays float32).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from backprop_tui.lang.expr import Expr, Num, Op, Ref, postorder
from backprop_tui.lang.program import Program

DTYPES = {"torch.float32": "float32", "torch.float": "float32", "torch.float64": "float64",
          "torch.double": "float64"}
CASTS = {"float64": "double", "float32": "float"}  # target dtype -> the cast op's name
CAST_TARGET = {op: dtype for dtype, op in CASTS.items()}
CAST_METHODS = ("double", "float", "to")


@dataclass(frozen=True)
class SnippetProgram(Program):
    """A Program of the torch dialect, plus each named tensor's dtype ("float32" | "float64")."""

    dtypes: dict[str, str] = field(default_factory=dict, compare=False)


def expr_dtype(expr: Expr, dtype_of: Callable[[str], str]) -> str | None:
    """The dtype torch computes `expr` in; None for a Python number."""
    got: dict[int, str | None] = {}
    for node in postorder(expr):
        if isinstance(node, Num):
            got[id(node)] = None
        elif isinstance(node, Ref):
            got[id(node)] = dtype_of(node.name)
        elif node.op in CAST_TARGET:
            got[id(node)] = CAST_TARGET[node.op]
        else:
            kinds = [got[id(a)] for a in node.args]
            got[id(node)] = "float64" if "float64" in kinds else ("float32" if "float32" in kinds else None)
    return got[id(expr)]


def program_dtypes(program: Program) -> Callable[[str], str]:
    """Each name's dtype, intermediates of an atomized program included (computed from their operations)."""
    known: dict[str, str] = dict(getattr(program, "dtypes", {}))
    default = "float32" if program.dialect == "torch" else "float64"

    def dtype_of(name: str) -> str:
        if name not in known:
            a = program.get(name)
            known[name] = default if isinstance(a.expr, Num) else (expr_dtype(a.expr, dtype_of) or default)
        return known[name]

    return dtype_of


def cast_target(node: ast.Call, dotted: Callable[[ast.expr], str | None]) -> str | None:
    """The dtype a `.double()`, `.float()` or `.to(torch.float64)` call casts to; None if it is none of
    those (or a `.to` this dialect does not read: a device, a second argument)."""
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in CAST_METHODS:
        return None
    if func.attr in ("double", "float"):
        return None if node.args or node.keywords else ("float64" if func.attr == "double" else "float32")
    args = list(node.args) + [kw.value for kw in node.keywords if kw.arg == "dtype"]
    if len(args) != 1 or any(kw.arg != "dtype" for kw in node.keywords):
        return None
    return DTYPES.get(dotted(args[0]) or "")


def cast(inner: Expr, target: str, inner_dtype: str | None, line: int, col: int) -> Expr:
    """The cast as an operation, or the operand itself where torch returns the same tensor."""
    if inner_dtype == target:
        return inner
    return Op(CASTS[target], (inner,), line, col)
