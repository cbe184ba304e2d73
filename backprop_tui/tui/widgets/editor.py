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
    """The parse error of the text in the editor (the graph keeps the last good program), or a passing
    message about something else (a file that could not be opened): `transient`, gone at the next step,
    so that it is not read as an error in the program."""

    transient = False

    def show(self, message: str | None, *, transient: bool = False) -> None:
        self.transient = transient and message is not None
        self.set_class(message is not None, "-visible")
        self.update(message or "")

    def step_taken(self) -> None:
        if self.transient:
            self.show(None)
