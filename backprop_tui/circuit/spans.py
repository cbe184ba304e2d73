"""One labelled run of cells on a row of the drawing."""

from __future__ import annotations

from typing import NamedTuple

Ref = str | tuple[str, str]  # a node's name, or an edge (src, dst)


class Span(NamedTuple):
    x: int
    text: str  # for a number's label: its text at the end of the trace, which sets the slot's width
    kind: str  # wire, cross, arrow, gate, name, value, grad, local, share, stub, uses, accumulated
    ref: Ref
    width: int
