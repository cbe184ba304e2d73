"""Tokenizer for the chain language: a regular expression and a loop, no Python tokenizer involved."""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass

from backprop_tui.errors import BadInput

_TOKEN = re.compile(
    r"(?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*|[-+*/(),=;])"
    r"|(?P<newline>\n)"
    r"|(?P<skip>[ \t\r\f]+|#[^\n]*)"
)

_NOT_ALLOWED = {
    '"': "strings are not allowed: a program holds only numbers, names and operators",
    "'": "strings are not allowed: a program holds only numbers, names and operators",
    "[": "lists are not allowed: write one assignment per name",
    "]": "lists are not allowed: write one assignment per name",
    "{": "braces are not allowed",
    "}": "braces are not allowed",
    ".": "attribute access is not allowed",
    "^": "use ** for powers (x**2), not ^",
    "@": "matrix products are not part of a scalar program",
    ":": "a colon is not allowed: a program is a list of assignments",
}
_KEYWORD_MESSAGES = {
    "import": "imports are not allowed (only the torch snippet dialect may `import torch`)",
    "from": "imports are not allowed",
    "lambda": "lambdas are not allowed",
    "for": "loops and comprehensions are not allowed: write each assignment out",
    "while": "loops are not allowed: write each assignment out",
    "def": "function definitions are not allowed",
    "class": "class definitions are not allowed",
}


@dataclass(slots=True)  # not frozen: a frozen dataclass pays for object.__setattr__ on 200,000 tokens
class Token:
    kind: str  # num | name | op | newline | end
    text: str
    line: int
    col: int
    value: float = 0.0


def tokenize(text: str, lines: list[str]) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    line, line_start, pos = 1, 0, 0
    for m in _TOKEN.finditer(text):
        start = m.start()
        if start != pos:  # finditer skipped a character no pattern takes
            _reject(text, pos, line, line_start, lines)
        pos = m.end()
        kind = m.lastgroup
        if kind == "skip":
            continue
        word = m.group()
        col = start - line_start + 1
        if kind == "name":
            if word in _RESERVED:
                message = _KEYWORD_MESSAGES.get(word, f"`{word}` is not allowed here: a program is a list of "
                                                      "assignments such as y = x*w + b")
                raise BadInput(message, line, col, lines[line - 1])
            if pos < len(text) and text[pos] == ".":
                raise BadInput(f"attribute access ({word}.…) is not allowed", line, pos - line_start + 1,
                               lines[line - 1])
            append(Token("name", word, line, col))
        elif kind == "op":
            append(Token("op", word, line, col))
        elif kind == "num":
            value = float(word)
            if math.isinf(value):
                shown = word if len(word) <= 30 else f"{word[:12]}…({len(word)} characters)"
                raise BadInput(f"the number {shown} is too large for a float", line, col, lines[line - 1])
            append(Token("num", word, line, col, value))
        else:  # newline
            append(Token("newline", "\n", line, col))
            line += 1
            line_start = pos
    if pos != len(text):
        _reject(text, pos, line, line_start, lines)
    append(Token("end", "", line, pos - line_start + 1))
    return tokens


_RESERVED = frozenset(keyword.kwlist) | {"print", "eval", "exec"}


def _reject(text: str, pos: int, line: int, line_start: int, lines: list[str]) -> None:
    ch = text[pos]
    raise BadInput(_NOT_ALLOWED.get(ch, f"unexpected character {ch!r}"), line, pos - line_start + 1,
                   lines[line - 1])
