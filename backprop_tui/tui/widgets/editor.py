"""The program, editable in place; escape hands focus back to the graph."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Static, TextArea


class ProgramEditor(TextArea):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.leave_editor", "Leave editor")]

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(text, id=id, soft_wrap=False, show_line_numbers=True, tab_behavior="focus")


class ErrorLine(Static):
    """The parse error of the text in the editor (the graph keeps the last good program)."""

    def show(self, message: str | None) -> None:
        self.set_class(message is not None, "-visible")
        self.update(message or "")
