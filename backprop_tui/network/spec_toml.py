"""Reading a spec's TOML: tomllib, with every exception it can raise turned into a BadInput with a place.

tomllib raises TOMLDecodeError for bad syntax, but also RecursionError on arrays nested a few hundred
deep, ValueError on an integer of more than 4,300 digits (with advice about Python internals), and
MemoryError; none of those may reach a user, and none may print the file back.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import normalise_newlines

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_LONG_NUMBER = re.compile(r"[0-9_]{1000,}")
# one token of a bracket scan: strings (basic, literal, multi-line), comments, brackets, newlines
_BRACKET_SCAN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\']|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
                           r"|'[^'\n]*'|#[^\n]*|\n|[\[\]{}]")


def read_toml(text: str) -> dict[str, Any]:
    """The parsed document; BadInput (with line and column where they can be known) on any failure."""
    limits.check("SPEC_BYTES", len(text), "the spec", "keep large data in a CSV file (csv = \"data.csv\")")
    text = normalise_newlines(text)
    lines = text.split("\n")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = _TOML_AT.search(msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        head = _TOML_AT.sub("", msg).strip()
        raise BadInput(f"not valid TOML: {head}", line, col, _line(lines, line)) from None
    except RecursionError:
        line, col = deepest_bracket(text)
        raise BadInput(f"arrays or tables nested too deeply for the TOML reader (more than {limits.NESTING} "
                       "levels here); a spec's data is rows of numbers, [[0.05, 0.10]]", line, col,
                       _line(lines, line)) from None
    except ValueError as err:  # tomllib's int() of a very long literal
        m = _LONG_NUMBER.search(text)
        line, col = _place(text, m.start()) if m else (None, None)
        what = "a number with too many digits" if "digits" in str(err) else "a value tomllib cannot read"
        raise BadInput(f"not valid TOML: {what}; numbers in a spec are floats such as 0.5 or 1e-3", line, col,
                       _line(lines, line)) from None
    except MemoryError:
        raise BadInput("the spec is too large or too deeply nested to read") from None


def deepest_bracket(text: str) -> tuple[int | None, int | None]:
    """Line and column of the first bracket past limits.NESTING levels (else the deepest), strings and
    comments skipped; one linear scan."""
    depth, best, where = 0, -1, (None, None)
    line, line_start = 1, 0
    for m in _BRACKET_SCAN.finditer(text):
        tok = m.group()
        if tok == "\n":
            line, line_start = line + 1, m.end()
        elif tok in "[{":
            depth += 1
            if depth > best:
                best, where = depth, (line, m.start() - line_start + 1)
                if depth > limits.NESTING:
                    break
        elif tok in "]}":
            depth = max(0, depth - 1)
        elif "\n" in tok:  # a multi-line string
            line += tok.count("\n")
            line_start = m.start() + tok.rindex("\n") + 1
    return where


def line_of_key(lines: list[str], table: str, key: str) -> int | None:
    """The line where `key = ` stands in `[table]` (1-based), or None: for messages about a value."""
    if not key:
        return None
    pattern = re.compile(r'[ \t]*"?' + re.escape(key) + r'"?[ \t]*=')
    header = re.compile(r"[ \t]*\[[ \t]*([\w.-]+)[ \t]*\]")
    current = ""
    for i, text in enumerate(lines, 1):
        found = header.match(text)
        if found:
            current = found.group(1)
        elif current == table and pattern.match(text):
            return i
    return None


def _place(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _line(lines: list[str], line: int | None) -> str | None:
    return lines[line - 1] if line and line <= len(lines) else None
