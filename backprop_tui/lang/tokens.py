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


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num | name | op | newline | end
    text: str
    line: int
    col: int
    value: float = 0.0


def tokenize(text: str, lines: list[str]) -> list[Token]:
    tokens: list[Token] = []
    line, line_start, pos, end = 1, 0, 0, len(text)
    match = _TOKEN.match
    while pos < end:
        m = match(text, pos)
        col = pos - line_start + 1
        if m is None:
            ch = text[pos]
            raise BadInput(_NOT_ALLOWED.get(ch, f"unexpected character {ch!r}"), line, col, lines[line - 1])
        kind = m.lastgroup
        word = m.group()
        if kind == "num":
            value = float(word)
            if math.isinf(value):
                raise BadInput(f"the number {word} is too large for a float", line, col, lines[line - 1])
            tokens.append(Token("num", word, line, col, value))
        elif kind == "name":
            if keyword.iskeyword(word) or word in ("print", "eval", "exec"):
                message = _KEYWORD_MESSAGES.get(word, f"`{word}` is not allowed here: a program is a list of "
                                                      "assignments such as y = x*w + b")
                raise BadInput(message, line, col, lines[line - 1])
            nxt = m.end()
            if nxt < end and text[nxt] == ".":
                raise BadInput(f"attribute access ({word}.…) is not allowed", line, nxt - line_start + 1,
                               lines[line - 1])
            tokens.append(Token("name", word, line, col))
        elif kind == "op":
            tokens.append(Token("op", word, line, col))
        elif kind == "newline":
            tokens.append(Token("newline", "\n", line, col))
            line += 1
            line_start = m.end()
        pos = m.end()
    tokens.append(Token("end", "", line, pos - line_start + 1))
    return tokens
