"""Small modal dialogs: a one-line prompt (open, save, find) and the preset picker."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from backprop_tui.tui.presets import PRESETS

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 70; max-width: 95%; height: auto; border: round $accent; background: $surface;
                     padding: 0 1; }}
{name} Label {{ width: 100%; }}
"""


class Dialog(ModalScreen[str | None]):
    """A modal that answers once: a second enter or escape before it has closed is ignored."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    _answered = False

    def answer(self, value: str | None) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.answer(None)


class PromptDialog(Dialog):
    """Ask for one line of text: a file path, or a node's name."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PromptDialog")

    def __init__(self, title: str, value: str = "", placeholder: str = "",
                 suggestions: list[str] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.suggestions = suggestions

    def compose(self) -> ComposeResult:
        suggester = SuggestFromList(self.suggestions, case_sensitive=True) if self.suggestions else None
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.value, placeholder=self.placeholder, suggester=suggester, id="prompt")
            yield Label("enter: OK · escape: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.answer(event.value.strip() or None)


class PresetPicker(Dialog):
    """Pick one of the example programs; returns its key."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PresetPicker")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open an example program (enter to pick, escape to cancel)")
            yield OptionList(*[Option(f"{p.title}  ·  {p.about}", id=p.key) for p in PRESETS])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.answer(event.option.id)
