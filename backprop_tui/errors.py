"""The one error type a user ever sees: a short message naming where and what."""

from __future__ import annotations


class BadInput(Exception):
    """Input the tool cannot accept. Front ends show `str(err)`; headless mode exits with status 2."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None,
                 source: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.source = source  # the offending source line, for a caret under the column
        self.hint = hint

    @property
    def where(self) -> str:
        if self.line is None:
            return ""
        return f"line {self.line}, column {self.col}" if self.col else f"line {self.line}"

    def __str__(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        lines = [printable(head)]
        if self.source is not None and self.col:
            text = printable(self.source.rstrip("\n"))
            if len(text) > 100:  # keep the excerpt short on a 10,000-term line
                start = max(0, self.col - 50)
                text, caret_col = text[start:start + 100], self.col - start
            else:
                caret_col = self.col
            lines += [f"  {text}", "  " + " " * (caret_col - 1) + "^"]
        if self.hint:
            lines.append(printable(self.hint))
        return "\n".join(lines)


def printable(text: str) -> str:
    """Control characters from a user's file (an escape sequence could retitle or recolour the terminal)
    shown as `?`, one for one, so the caret still lines up."""
    return "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in text)
