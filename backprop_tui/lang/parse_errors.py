"""Python's parser errors in the user's terms: a line and column always, never Python's internals.

ast.parse gives up on very deep nesting with a RecursionError or MemoryError that names no place, and on
a long integer literal with advice about `sys.set_int_max_str_digits`. These helpers find the place in
the text (one linear scan) and say what to change.
"""

from __future__ import annotations

import re

from backprop_tui import limits
from backprop_tui.errors import BadInput

# one token of a nesting scan: a comment, a newline, a bracket, a sign, `**`, an operand, or anything else
_SCAN = re.compile(r"#[^\n]*|\n|[(\[{]|[)\]}]|\*\*|[-+~]|[\w.]+|[ \t\f\r]+|.")
_LONG_INT = re.compile(r"\d[\d_]*")
_INT_ADVICE = re.compile(r"Exceeds the limit \((\d+) digits\) for integer string conversion")


def too_deep(text: str) -> BadInput:
    """Where an expression nests deepest (brackets, unary signs and `**` chains, comments skipped): the
    first place past limits.NESTING levels, else the deepest one."""
    lines = text.split("\n")
    line, line_start = 1, 0
    brackets, signs, powers, best, where = 0, 0, 0, -1, (1, 1)
    operand_before = False
    for m in _SCAN.finditer(text):
        tok = m.group()
        first = tok[0]
        if first == "\n":
            line, line_start = line + 1, m.end()
            signs, powers, operand_before = 0, 0, False
            continue
        if first in " \t\f\r#":
            continue
        if first in "([{":
            brackets += 1
            operand_before = False
        elif first in ")]}":
            brackets = max(0, brackets - 1)
            operand_before = True
            continue
        elif tok == "**":
            powers += 1  # right-associative: each `**` is one level below the last
            operand_before = False
        elif first in "-+~" and not operand_before:
            signs += 1  # a unary sign applies to everything after it
        elif first in "-+~":
            powers, operand_before = 0, False  # a binary operator ends a power chain
            continue
        else:
            signs, operand_before = 0, True
            continue
        depth = brackets + signs + powers
        if depth > best:
            best, where = depth, (line, m.start() - line_start + 1)
            if depth > limits.NESTING:
                break
    at_line, at_col = where
    source = lines[at_line - 1] if at_line <= len(lines) else None
    if best > limits.NESTING:
        message = (f"expression nested more than {limits.NESTING} levels deep (NESTING in the README's limits "
                   "table): Python's parser cannot read it; split it into named steps")
    else:
        message = "expression too deeply nested or too long for Python's parser; split it into named steps"
    return BadInput(message, at_line, at_col, source)


def plain_syntax_message(msg: str, text: str, line: int | None) -> tuple[str, int | None]:
    """Python's SyntaxError text without its internals, and a better column where it knows one."""
    m = _INT_ADVICE.search(msg)
    if m is None:
        return msg, None
    col = None
    lines = text.split("\n")
    if line and line <= len(lines):
        longest = max(_LONG_INT.finditer(lines[line - 1]), key=lambda d: len(d.group()), default=None)
        if longest is not None:
            col = longest.start() + 1
    return (f"a whole number of more than {m.group(1)} digits cannot be read; write it as a float, "
            "such as 1e300 (a float keeps about 17 significant digits)"), col
