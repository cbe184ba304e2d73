"""The question asked before unsaved edits would be lost: save first, discard them, or cancel."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from backprop_tui.tui.screens.dialogs import DIALOG_CSS, Dialog

SAVE, DISCARD = "save", "discard"


class UnsavedDialog(Dialog):
    """Answers "save", "discard" or None (cancel). Keys: s save, d discard, escape cancel; ctrl+q in the
    quit question means quit without saving (so ctrl+q twice always quits)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="UnsavedDialog") + """
    UnsavedDialog Horizontal { height: auto; width: 100%; margin-top: 1; }
    UnsavedDialog Button { margin-right: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("s", "answer_key('save')", "Save first", show=False),
        Binding("d", "answer_key('discard')", "Discard", show=False),
    ]

    def __init__(self, question: str, discard_label: str = "Discard edits", quitting: bool = False) -> None:
        super().__init__()
        self.question = question
        self.discard_label = discard_label
        self.quitting = quitting

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button("Save first (s)", id=SAVE, variant="primary")
                yield Button(f"{self.discard_label} (d)", id=DISCARD, variant="error")
                yield Button("Cancel (esc)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.answer(event.button.id if event.button.id in (SAVE, DISCARD) else None)

    def action_answer_key(self, value: str) -> None:
        self.answer(value)
