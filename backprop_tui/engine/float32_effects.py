"""What float32 did to a snippet, in a sentence per step: an overflow, an underflow, a saturation.

Each statement is evaluated op by op twice, at the program's dtypes and in float64 (engine.float32's
IEEE evaluation), and the first operation where the two part ways in kind is named:
    in float32, exp(a) = exp(300) overflows to inf (the largest float32 is 3.4e+38; float64 gives 1.94e+130)
    in float32, tanh(w) = tanh(10) rounds to exactly 1 (float64: 0.999999995877), so its gradient vanishes
Such an effect is float32's arithmetic, not a disagreement: the check compares float32 with float32.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from backprop_tui.engine import symbolic as S
from backprop_tui.engine.float32 import DtypeRun, Statement
from backprop_tui.lang.expr import Num, Op, Ref
from backprop_tui.lang.program import Program
from backprop_tui.lang.torch_dtypes import program_dtypes
from backprop_tui.numbers import short

FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_TINY = 1.401298464324817e-45


def _finite(v: float) -> bool:
    return math.isfinite(v)


def _event(node: Op, v32: float, v64: float, text: str) -> str | None:
    if not _finite(v32) and _finite(v64):
        what = "overflows to inf" if not math.isnan(v32) else "is nan"
        return (f"in float32, {text} {what} (the largest float32 is {FLOAT32_MAX:.2g}; float64 gives "
                f"{short(v64)})")
    if v32 == 0 and v64 != 0 and _finite(v64):
        return f"in float32, {text} underflows to 0 (the smallest float32 is {FLOAT32_TINY:.2g}; float64 gives " \
               f"{short(v64)})"
    if node.op in ("tanh", "sigmoid") and v32 != v64 and abs(v32) == 1.0:
        return (f"in float32, {text} rounds to exactly {short(v32)} (float64: {v64:.12g}), so its gradient "
                "vanishes")
    if node.op == "sigmoid" and v32 == 0.0 and v64 != 0.0:
        return f"in float32, {text} underflows to exactly 0 (float64: {short(v64)}), so its gradient vanishes"
    return None


class Float32Effects:
    """The first float32 event of each statement, found by comparing op-level values."""

    def __init__(self, program: Program, run32: DtypeRun) -> None:
        self.program = program
        self.run32 = run32
        as_64: Callable[[str], str] = lambda name: "float64"  # noqa: E731
        dtype_of = program_dtypes(program)
        values64: dict[str, float] = {}
        requires = {n: True for n in program.names}
        self.events: dict[str, str] = {}
        for a in program.assignments:
            if isinstance(a.expr, Num):
                values64[a.name] = a.expr.value
                continue
            st64 = Statement(a.expr, values64, as_64, requires)
            st32 = Statement(a.expr, run32.values, dtype_of, requires)
            values64[a.name] = st64.value[id(a.expr)]
            for node in st32.order:
                if not isinstance(node, Op):
                    continue
                text = self._text(node, st32)
                found = _event(node, st32.value[id(node)], st64.value[id(node)], text)
                if found:
                    self.events[a.name] = found
                    break
            else:
                inherited = [r for r in a.reads if r in self.events and not _finite(run32.values[r])]
                if inherited and not _finite(run32.values[a.name]):
                    self.events[a.name] = (f"in float32, {inherited[0]} is already "
                                           f"{short(run32.values[inherited[0]])}, so {a.name} is "
                                           f"{short(run32.values[a.name])}")
        self.values64 = values64

    @staticmethod
    def _text(node: Op, st: Statement) -> str:
        shape = S.render(node, budget=40) or node.op
        numbers = S.render(node, lambda n: short(st.value[id(n)]) if isinstance(n, Ref) else None, 40)
        return f"{shape} = {numbers}" if numbers and numbers != shape else shape

    def forward(self, name: str) -> str:
        """The sentence for a forward step, "" where float32 did nothing remarkable."""
        found = self.events.get(name)
        v32, v64 = self.run32.values.get(name), self.values64.get(name)
        if found:
            if v32 is not None and v64 is not None and (not _finite(v32)) and v32 != v64 and \
                    found.endswith(")") and "already" not in found:
                return f"{found}, so {name} is {short(v32)}"
            return found
        if v32 is not None and v64 and _finite(v64) and abs(v32 - v64) > 1e-3 * abs(v64):
            return f"in float32 this is {short(v32)} (float64: {short(v64)}): rounding moved it by " \
                   f"{abs(v32 - v64) / abs(v64):.1%}"
        return ""

    def gradient(self, v32: float | None, v64: float | None, statement: str | None = None) -> str:
        """The sentence for a local derivative or gradient step."""
        if v32 is None or v64 is None:
            return ""
        cause = self.events.get(statement or "") or next(iter(self.events.values()), "")
        cause = cause.removeprefix("in float32, ")
        if v32 == 0 and v64 != 0 and _finite(v64):
            return f"in float32 this is exactly 0 (float64: {short(v64)})" + (f": {cause}" if cause else "")
        if not _finite(v32) and _finite(v64):
            return f"in float32 this is {short(v32)} (float64: {short(v64)})" + (f": {cause}" if cause else "")
        return ""
