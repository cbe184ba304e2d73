"""Reading a typed prediction and judging it against the answer. Pure: no textual, no torch, no eval.

A prediction is a number (`0.59`, `-2`, `1e-8`) or arithmetic on numbers (`2*3`, `1/4`, `-0.5*4`,
`(1 + 2)*0.5`, `exp(1)`, `2**-1`), parsed by the chain language's own parser (lang.chain.parse_expression)
and evaluated with the engine's per-op rules (engine.rules.RULES). Names are refused: the learner types
what they computed, not the formula.

The rule (`judge`), with the answer a and the prediction p:

1. **relative**: |p − a| ≤ 1e-12 + 1e-3·|a|. Within a tenth of a percent, plus the project's absolute
   floor 1e-12 (numbers.agree), so that a float-noise answer such as 5.6e-17 counts as 0.
2. **digits typed**: p was typed as one plain number (an optional sign, no arithmetic) with at least 2
   significant digits, and rounding a to the decimal places typed gives p: |p − a| ≤ ½·10^−d, where d is the
   number of decimal places typed (for `5.9e-1`, d = 2). Computed exactly (fractions) on the typed decimal
   and the answer's float, with a hair (1e-9 of the half unit) to spare, so that a tie counts either way:
   0.595 (stored as 0.59499999…) accepts both `0.59` and `0.60`.

Examples (answer → typed):
- 0.593269992 → `0.59` right (rule 2: 2 significant digits, 0.593 rounds to 0.59); `0.5933` right (rule
  1); `0.6` wrong (1 significant digit; 1.1% off); `0.60` wrong (0.593 rounds to 0.59); `0.593` right.
- −0.0380982 → `-0.038` right; `0.038` wrong (the sign); `-0.04` wrong (1 significant digit).
- 2 → `2` right (rule 1); `2.0` right; `1.99` wrong (0.5% off; 2 rounds to 2.00).
- 12.4 → `12` right (rule 2, d = 0); 2.4 → `2` wrong (1 significant digit, 17% off).
- 0 → `0` right, `0.0` right, `0.001` wrong.
- 1e-8 → `1e-8` right; `0` wrong (1e-8 is not zero: the floor is 1e-12); `1.0e-8` right.
- 0.595 → `0.59` and `0.60` right (a tie).
- 0.082167041 → `0.082` right (2 significant digits: 8 and 2); `0.08` wrong (1 significant digit).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from backprop_tui.engine.rules import RULES
from backprop_tui.errors import BadInput
from backprop_tui.lang.chain import parse_expression
from backprop_tui.lang.expr import Expr, Num, Op, Ref, postorder
from backprop_tui.lang.functions import CONST, MANY_OUTPUT

RELATIVE = 1e-3
FLOOR = 1e-12  # numbers.agree's absolute floor
MIN_DIGITS = 2
TIE_SLACK = Fraction(1, 10**9)  # of the half unit: a tie in decimal is a tie, wherever its float sits
MAX_LENGTH = 200  # characters: a prediction is a line, not a program
_LITERAL = re.compile(r"\s*([-+]?)\s*((\d*)\.?(\d*))(?:[eE]([-+]?\d+))?\s*")
# what a learner may paste from the screen: a real minus sign, a centred dot, a times sign
_TYPOGRAPHY = str.maketrans({"−": "-", "·": "*", "×": "*", "÷": "/", "⋅": "*"})


@dataclass(frozen=True)
class Prediction:
    text: str  # as typed
    value: float
    decimals: int | None  # decimal places typed, for a plain number with >= 2 significant digits; else None


def read_prediction(text: str) -> Prediction:
    """The typed text as a number. BadInput with a short message (and column) for anything else."""
    if len(text) > MAX_LENGTH:
        raise BadInput(f"a prediction is one number or a short sum (at most {MAX_LENGTH} characters)")
    clean = text.translate(_TYPOGRAPHY).strip()
    if re.fullmatch(r"[-+]?\d+,\d+", clean):
        raise BadInput(f"use a point for decimals: {clean.replace(',', '.')}")
    try:
        expr = parse_expression(clean)
    except BadInput as err:
        raise BadInput(err.message, err.line, err.col) from None
    value = evaluate(expr)
    return Prediction(text, value, _decimals(clean))


def evaluate(expr: Expr) -> float:
    """The value of a name-free expression with the engine's rules (never eval); BadInput for names,
    division by zero, a domain error (log of a negative) or a result too large for a float."""
    got: dict[int, float] = {}
    for node in postorder(expr):
        if isinstance(node, Ref):
            raise BadInput(f"`{node.name}` is a name: type its value, or the number you computed",
                           node.line, node.col)
        if isinstance(node, Num):
            got[id(node)] = node.value
            continue
        assert isinstance(node, Op)
        if node.op in (CONST, MANY_OUTPUT):
            raise BadInput(f"{node.op}(…) is not arithmetic: type a number", node.line, node.col)
        xs = tuple(got[id(a)] for a in node.args)
        rule = RULES[node.op]
        problem = rule.domain(xs, node)
        if problem:
            raise BadInput(problem, node.line, node.col)
        try:
            out = rule.value(xs, node.index)
        except (OverflowError, ZeroDivisionError) as err:
            reason = "division by zero" if isinstance(err, ZeroDivisionError) else "too large for a float"
            raise BadInput(f"{node.op}: {reason}", node.line, node.col) from None
        if isinstance(out, complex) or not math.isfinite(out):
            raise BadInput(f"{node.op} gives {out}: type a finite number", node.line, node.col)
        got[id(node)] = float(out)
    return got[id(expr)]


def _decimals(text: str) -> int | None:
    """Decimal places of a plain number typed with at least MIN_DIGITS significant digits; else None.

    Significant digits run from the first non-zero digit to the last digit typed (`0.590` has 3, `0.08`
    has 1, `1200` has 4: trailing zeros typed count). `5.9e-1` has 2 decimals: 1 typed, shifted by -1.
    """
    m = _LITERAL.fullmatch(text)
    if m is None or not (m.group(3) or m.group(4)):
        return None
    digits = (m.group(3) + m.group(4)).lstrip("0")
    exponent = m.group(5) or "0"
    if len(digits) < MIN_DIGITS or len(exponent.lstrip("+-")) > 3:  # 1.0e-99999: no float has such digits
        return None
    return len(m.group(4)) - int(exponent)


def judge(p: Prediction, answer: float) -> bool:
    """Right within 1e-3 relative (floor 1e-12), or equal to the answer rounded to the digits typed."""
    if abs(p.value - answer) <= FLOOR + RELATIVE * abs(answer):
        return True
    if p.decimals is None:
        return False
    half_unit = Fraction(1, 2) * Fraction(10) ** -p.decimals
    return abs(_exact(p.text) - Fraction(answer)) <= half_unit * (1 + TIE_SLACK)


def _exact(text: str) -> Fraction:
    """The typed decimal exactly (0.59 is 59/100, not the float nearest to it)."""
    return Fraction(text.translate(_TYPOGRAPHY).strip().replace(" ", ""))
