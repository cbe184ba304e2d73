"""Messages posted up to the app: small dataclasses, as Textual's rule says (attributes down, messages up)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from backprop_tui.engine.trace import Trace


@dataclass
class CheckDone(Message):
    """The referee answered for the trace of one build (`generation`); `trace` is None on failure."""

    generation: int
    trace: Trace | None
    error: str | None = None


@dataclass
class NodeSelected(Message):
    """A node was clicked (or found with `/`)."""

    name: str


@dataclass
class GraphPlanned(Message):
    """The graph chose how to draw itself at its size (circuit.fit): the app may lend it the left column's
    spare width (GraphActions.fit_columns)."""
