"""Where a Python-syntax node stands in the user's text: line, column in characters, and a BadInput there.

Shared by the readers of PyTorch text (lang.snippet and its parts, lang.torch_model): both walk `ast`
nodes, whose columns are UTF-8 byte offsets, and both report places as a person counts them (characters,
from 1), with the offending line for a caret.
"""

from __future__ import annotations

import ast
import bisect
from collections import deque

from backprop_tui.errors import BadInput


class SourceText:
    """The text being read, split into lines once, with the helpers every message needs."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self._extra: dict[int, tuple[list[int], list[int]]] = {}  # per line: byte offsets -> extra bytes
        self._encoded: dict[int, bytes] = {}

    def source(self, line: int | None) -> str | None:
        return self.lines[line - 1] if line and 0 < line <= len(self.lines) else None

    def col(self, line: int, byte_offset: int) -> int:
        """ast columns are UTF-8 byte offsets; messages count characters from 1."""
        text = self.source(line)
        if text is None or text.isascii():
            return byte_offset + 1
        return byte_offset - self.extra_bytes(line, byte_offset) + 1

    def extra_bytes(self, line: int, byte_offset: int) -> int:
        """How many more bytes than characters the line has before `byte_offset`: a bisection in a table
        made once per line (re-encoding the line for every node made one long line quadratic)."""
        table = self._extra.get(line)
        if table is None:
            starts, extras, extra, at = [], [], 0, 0
            for ch in self.source(line) or "":
                size = len(ch.encode("utf-8"))
                at += size
                if size > 1:
                    extra += size - 1
                    starts.append(at)
                    extras.append(extra)
            table = self._extra[line] = (starts, extras)
        starts, extras = table
        if not starts or byte_offset < starts[0]:  # before the line's first non-ASCII character
            return 0
        i = bisect.bisect_right(starts, byte_offset)
        return extras[i - 1] if i else 0

    def line_bytes(self, line: int) -> bytes:
        raw = self._encoded.get(line)
        if raw is None:
            raw = self._encoded[line] = (self.source(line) or "").encode("utf-8")
        return raw

    def where(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 0)
        return line, self.col(line, getattr(node, "col_offset", 0))

    def fail(self, message: str, node: ast.AST | None, hint: str | None = None) -> BadInput:
        """A BadInput at the node's line and column (none where the node has no place)."""
        if node is None or not getattr(node, "lineno", None):
            return BadInput(message, hint=hint)
        line, col = self.where(node)
        return BadInput(message, line, col, self.source(line), hint)


def dotted_path(node: ast.expr, names: dict[str, str]) -> str | None:
    """`nn.Linear` -> "torch.nn.Linear" when the attribute chain starts at a name in `names` (an import:
    local name -> dotted path), else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in names:
        return None
    return ".".join([names[node.id], *reversed(parts)])


def names_in(root: ast.AST) -> list[ast.Name]:
    """The `ast.Name` nodes under `root`, in ast.walk's order: one pass, and the common nodes of arithmetic
    handled without ast.walk's per-node generators (a 100,000-term line was walked by ast.walk four times,
    a third of the time to read it)."""
    out: list[ast.Name] = []
    queue: deque[ast.AST] = deque((root,))
    pop, push, extend = queue.popleft, queue.append, queue.extend
    while queue:
        node = pop()
        kind = type(node)
        if kind is ast.Name:
            out.append(node)  # type: ignore[arg-type]
        elif kind is ast.BinOp:
            push(node.left)  # type: ignore[attr-defined]
            push(node.right)  # type: ignore[attr-defined]
        elif kind is ast.UnaryOp:
            push(node.operand)  # type: ignore[attr-defined]
        elif kind is not ast.Constant:
            extend(ast.iter_child_nodes(node))
    return out


def assignments_in(root: ast.AST) -> list[ast.Assign]:
    """The `ast.Assign` statements under `root`, in ast.walk's order, without walking into expressions
    (where no statement can be)."""
    out: list[ast.Assign] = []
    queue: deque[ast.AST] = deque((root,))
    while queue:
        node = queue.popleft()
        if isinstance(node, ast.Assign):
            out.append(node)
        queue.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.expr))
    return out
