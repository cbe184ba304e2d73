"""Is a text a PyTorch model file (rather than a snippet or a chain program)? Linear time, no regex
that could backtrack: comments dropped, then plain substring tests."""

from __future__ import annotations

import re

_COMMENT = re.compile(r"#[^\n]*")  # one pass; `#` inside a string only drops text a model test does not need
_MODEL_MARKS = ("nn.Module", "nn.Sequential", "Module)", "Sequential(")


def is_model_source(text: str) -> bool:
    """True for Python that defines an nn.Module subclass or an nn.Sequential (a snippet or a chain program
    never does). The model reader then says precisely what else the file needs (a loss, SGD, the loop)."""
    code = _COMMENT.sub("", text)
    return "torch" in code and any(mark in code for mark in _MODEL_MARKS)
