"""The torch snippet's queries and prints, answered by the engine (pure Python: no torch here).

Each `torch.autograd.grad(of, [wrt])[0]` is ∂of/∂wrt from the engine's backward pass with `of` as the
output: one pass per distinct `of`. An input that `of` does not depend on gives None, as torch does
with allow_unused=True (without it the parser has already refused the query, in torch's words).

`print(name)` shows what torch would print for the user's own program, which runs in float32 unless a
tensor says float64: the engine's own figure at the program's dtypes (engine.float32, emulated op by
op) formatted by torch's rules for a 0-dim tensor (torch/_tensor_str.py), with `requires_grad=True` on
a leaf that tracks gradients and `grad_fn=<...>` on a computed one. The lines a front end shows are
torch's own (the referee's "snippet" kind); these are the engine's, compared with them.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from backprop_tui.engine.evaluate import Local
from backprop_tui.engine.rules import RULES
from backprop_tui.engine.trace import Trace, backward
from backprop_tui.lang.expr import Expr, Num, Op, Ref, postorder, refs
from backprop_tui.lang.program import Program

# grad_fn class names, checked against real torch by tests/engine/test_snippet_run.py
_FN_NAMES = {
    "add": "AddBackward0", "mul": "MulBackward0", "neg": "NegBackward0", "exp": "ExpBackward0",
    "log": "LogBackward0", "sqrt": "SqrtBackward0", "abs": "AbsBackward0", "tanh": "TanhBackward0",
    "sigmoid": "SigmoidBackward0", "relu": "ReluBackward0", "sin": "SinBackward0", "cos": "CosBackward0",
    "tan": "TanBackward0", "square": "PowBackward0", "softplus": "SoftplusBackward0",
    "double": "ToCopyBackward0", "float": "ToCopyBackward0",
}


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    label: str
    of: str
    wrt: str
    value: float | None  # None: `of` does not depend on `wrt` (torch's allow_unused=True answer)
    line: int


@dataclass(frozen=True)
class SnippetRun:
    queries: list[QueryAnswer]
    printed: list[str]  # one line per print(...), as torch would print it


def run_snippet(trace: Trace) -> SnippetRun:
    program = trace.program
    by_of: dict[str, list[Local]] = {name: [] for name in program.names}
    for loc in trace.locals:
        by_of[loc.of].append(loc)
    passes: dict[str, dict[str, float | None]] = {}
    reach: dict[str, set[str]] = {}
    answers: list[QueryAnswer] = []
    zero_signs: dict[str, dict[str, float]] = {}
    for q in program.queries:
        if q.of not in passes:
            passes[q.of] = backward(program, q.of, by_of, trace.requires_grad)
            reach[q.of] = _ancestors(program, q.of, trace.requires_grad)
        value = passes[q.of][q.wrt] if q.wrt in reach[q.of] else None
        if value == 0.0:  # which zero: torch's accumulation can give -0., and print shows it
            if q.of not in zero_signs:
                zero_signs[q.of] = _op_level_grads(program, q.of, trace.values, trace.requires_grad)
            value = math.copysign(0.0, zero_signs[q.of].get(q.wrt, 0.0))
        answers.append(QueryAnswer(q.label, q.of, q.wrt, value, q.line))
    from backprop_tui.engine.float32 import run_at_dtypes

    at = run_at_dtypes(program, trace.output)  # what the program gives at its own dtypes: what it prints
    return SnippetRun(answers, printed_lines(trace, at.values, at.queries))


def printed_lines(trace: Trace, values: dict[str, float], queries: dict[str, float | None]) -> list[str]:
    """Each print(...) as torch shows it, from figures at the program's dtypes (engine.float32)."""
    program = trace.program
    dtypes: dict[str, str] = getattr(program, "dtypes", {})
    wrt_of = {q.label: q.wrt for q in program.queries}
    printed: list[str] = []
    tensor_names = _tensor_names(program)
    for p in program.prints:
        if p.name in wrt_of:
            value = queries.get(p.name)
            dtype = dtypes.get(wrt_of[p.name], "float32")
            if value is None:
                printed.append("None")
            else:
                printed.append(item_str(value, dtype) if p.item else tensor_str(value, dtype))
            continue
        a = program.get(p.name)
        dtype = dtypes.get(p.name, "float32")
        value = values[p.name]
        if p.item:
            printed.append(item_str(value, dtype))
        elif not trace.requires_grad[p.name]:
            printed.append(tensor_str(value, dtype))
        elif a.is_leaf:
            printed.append(tensor_str(value, dtype, requires_grad=True))
        else:
            assert isinstance(a.expr, Op)
            printed.append(tensor_str(value, dtype, grad_fn=grad_fn_name(a.expr, tensor_names)))
    return printed


def item_str(v: float, dtype: str = "float32") -> str:
    """What `print(t.item())` shows: the Python float of the tensor's value (a float32 widened exactly)."""
    return repr(to_float32(v) if dtype == "float32" else float(v))


def _ancestors(program: Program, of: str, requires: dict[str, bool]) -> set[str]:
    """Names `of` reaches through the autograd graph (itself included): the inputs torch calls used."""
    seen = {of}
    stack = [of]
    while stack:
        name = stack.pop()
        for n in program.get(name).reads:
            if requires[n] and n not in seen:
                seen.add(n)
                stack.append(n)
    return seen


def _op_level_grads(program: Program, of: str, values: dict[str, float], requires: dict[str, bool],
                    ) -> dict[str, float]:
    """∂of/∂name accumulated op by op as torch's engine does (a sum starts at the first contribution,
    so -0. survives; relu and pow's masks give +0.): only the sign of a zero answer is taken from here."""
    acc: dict[str, float] = {of: 1.0}
    for i in range(program.index[of], -1, -1):  # type: ignore[attr-defined]
        a = program.assignments[i]
        g = acc.get(a.name)
        if g is None or a.is_leaf or not requires[a.name]:
            continue
        order = postorder(a.expr)
        got: dict[int, float] = {}
        needs: dict[int, bool] = {}
        for node in order:
            if isinstance(node, Num):
                got[id(node)], needs[id(node)] = node.value, False
            elif isinstance(node, Ref):
                got[id(node)], needs[id(node)] = values[node.name], requires[node.name]
            else:
                xs = tuple(got[id(x)] for x in node.args)
                got[id(node)] = RULES[node.op].value(xs, node.index)
                needs[id(node)] = any(needs[id(x)] for x in node.args)
        adjoint: dict[int, float] = {id(a.expr): g}
        for node in reversed(order):
            gn = adjoint.get(id(node))
            if gn is None:
                continue
            if isinstance(node, Ref):
                acc[node.name] = acc[node.name] + gn if node.name in acc else gn
                continue
            if not isinstance(node, Op):
                continue
            xs = tuple(got[id(x)] for x in node.args)
            parts = RULES[node.op].partials(xs, got[id(node)], node.index)
            for k, (arg, d) in enumerate(zip(node.args, parts, strict=True)):
                if not needs[id(arg)]:
                    continue
                masked = (node.op == "relu" and xs[0] <= 0) or (node.op == "pow" and (
                    (k == 0 and xs[1] == 0) or (k == 1 and xs[0] == 0)))
                term = 0.0 if masked else gn * d
                adjoint[id(arg)] = adjoint[id(arg)] + term if id(arg) in adjoint else term
    return acc


def _tensor_names(program: Program) -> set[str]:
    """Names that are torch tensors: leaves and what reads a tensor (an atomized `2*3` is a number)."""
    out: set[str] = set()
    for a in program.assignments:
        if a.is_leaf or any(n in out for n in a.reads):
            out.add(a.name)
    return out


def _is_tensor(expr: Expr, tensors: set[str] | None) -> bool:
    return any(tensors is None or r.name in tensors for r in refs(expr))


def grad_fn_name(expr: Op, tensors: set[str] | None = None) -> str:
    """torch's grad_fn class for the last op of a computed tensor (which operands are Python numbers
    matters: `1 - x` is RsubBackward1, `2 / x` MulBackward0, `2 ** x` PowBackward2). `tensors`: the
    names that are tensors (default: every name)."""
    t = [not isinstance(a, Num) and _is_tensor(a, tensors) for a in expr.args]
    if expr.op == "sub":
        return "SubBackward0" if t[0] else "RsubBackward1"
    if expr.op == "div":
        return "DivBackward0" if t[0] else "MulBackward0"  # number / tensor is reciprocal() * number
    if expr.op == "pow":
        if t[0] and t[1]:
            return "PowBackward1"
        return "PowBackward0" if t[0] else "PowBackward2"
    return _FN_NAMES.get(expr.op, f"{expr.op.capitalize()}Backward0")


def to_float32(v: float) -> float:
    """The float32 nearest v (round half to even), as torch stores it; inf beyond float32's range."""
    if math.isnan(v) or math.isinf(v):
        return v
    try:
        return struct.unpack("<f", struct.pack("<f", v))[0]
    except OverflowError:
        return math.copysign(math.inf, v)


def scalar_str(v: float) -> str:
    """torch's text for the value of a 0-dim floating tensor (default print options)."""
    if math.isnan(v) or math.isinf(v):
        return f"{v:.0f}"  # nan, inf, -inf
    if v == 0:
        return f"{v:.0f}."  # 0. or -0.
    a = abs(v)
    if a > 1.0e8 or a < 1.0e-4:
        return f"{v:.4e}"
    if v == math.ceil(v):
        return f"{v:.0f}."
    return f"{v:.4f}"


def tensor_str(v: float, dtype: str = "float32", *, requires_grad: bool = False, grad_fn: str | None = None,
               ) -> str:
    """What `print(t)` shows for a 0-dim tensor: `tensor(2.)`, `tensor(3., grad_fn=<AddBackward0>)`."""
    value = to_float32(v) if dtype == "float32" else v
    parts = [scalar_str(value)]
    if dtype == "float64":
        parts.append("dtype=torch.float64")
    if grad_fn is not None:
        parts.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        parts.append("requires_grad=True")
    return f"tensor({', '.join(parts)})"
