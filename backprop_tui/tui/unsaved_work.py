"""No lost work (a mixin of BackpropApp): ask before a preset, `o`, a neuron's chain or ctrl+q would throw
away unsaved edits, offer to save first, and keep what a replace threw away for ctrl+z. The same question
before ctrl+q, or opening another network, would drop a network's trained weights (ask_trained); escape and
`c` keep the network screen installed (`w` goes back), so they drop nothing.

Scripted runs (`--press … --screenshot`) never ask: `scripted` is set and every replace goes ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backprop_tui.tui.app import BackpropApp
    from backprop_tui.tui.screens.network import NetworkScreen

    Base = BackpropApp
else:
    Base = object


@dataclass(frozen=True)
class Replaced:
    """What a replace threw away, for ctrl+z: the program's text, its file and its last saved text."""

    text: str
    path: str | None
    saved_text: str | None
    by: str  # the text that replaced it: ctrl+z applies only while the editor still holds it


class UnsavedWork(Base):
    scripted = False  # set by launch() for --screenshot runs: never prompt
    saved_text: str | None = None  # the text as last opened or saved (set when the app starts)
    replaced: Replaced | None = None

    @property
    def program_text(self) -> str:
        """The editor's text, whichever screen is on top (the editor lives on the first one)."""
        from backprop_tui.tui.widgets.editor import ProgramEditor

        return self.screen_stack[0].query_one(ProgramEditor).text

    @property
    def unsaved(self) -> bool:
        """The editor holds edits that are neither saved nor the text as opened."""
        return not self.scripted and self.saved_text is not None and self.program_text != self.saved_text

    def mark_saved(self, text: str) -> None:
        self.saved_text = text

    # -- replacing the program ----------------------------------------------------------------------
    def replace_program(self, text: str, path: str | None, what: str) -> None:
        """Load `text` (from `path`, or None) in place of the program; asks first when edits would be lost."""
        self.ask_unsaved(f"The program has unsaved edits. Save them before opening {what}?",
                         lambda: self._replace(text, path, what))

    def ask_unsaved(self, question: str, then: Callable[[], object], discard_label: str = "Discard edits",
                    quitting: bool = False) -> None:
        """Run `then` now if nothing would be lost; else ask: save first (then run it), discard, or cancel."""
        if not self.unsaved:
            then()
            return
        from backprop_tui.tui.screens.unsaved import DISCARD, SAVE, UnsavedDialog

        def answered(choice: str | None) -> None:
            if choice == DISCARD:
                then()
            elif choice == SAVE:
                self.save_then(then)

        self.push_screen(UnsavedDialog(question, discard_label, quitting), answered)

    def save_then(self, then: Callable[[], object]) -> None:
        from backprop_tui.tui.screens.dialogs import PromptDialog

        self.push_screen(PromptDialog("Save the program as:", self.path or "program.bp"),
                         lambda path: self.save_asked(path, then))

    # -- a network's trained weights ----------------------------------------------------------------
    @property
    def trained_network(self) -> NetworkScreen | None:
        """The network screen holding trained weights nobody saved (or training under way), if any."""
        from backprop_tui.tui.actions import NETWORK
        from backprop_tui.tui.screens.network import NetworkScreen

        if self.scripted:
            return None
        screens = [self.get_screen(NETWORK)] if self.is_screen_installed(NETWORK) else []
        screens += [s for s in self.screen_stack if isinstance(s, NetworkScreen) and s not in screens]
        return next((s for s in screens if isinstance(s, NetworkScreen) and s.unsaved_training), None)

    def ask_trained(self, doing: str, then: Callable[[], object], discard_label: str = "Discard the weights",
                    quitting: bool = False) -> None:
        """Run `then` now if no trained weights would be lost; else ask: save them first (the network
        screen's save, then `then`), discard them, or cancel. `doing`: "quitting", "opening x.toml"."""
        net = self.trained_network
        if net is None:
            then()
            return
        from backprop_tui.tui.screens.unsaved import DISCARD, SAVE, UnsavedDialog

        what = ("Training is running: the weights it reaches are not saved" if net.training
                else "The network's weights have changed (training or u) and are not saved")

        def answered(choice: str | None) -> None:
            if choice == DISCARD:
                then()
            elif choice == SAVE:
                net.save_then(then)

        self.push_screen(UnsavedDialog(f"{what}. Save them before {doing}?", discard_label, quitting), answered)

    def _replace(self, text: str, path: str | None, what: str) -> None:
        old = Replaced(self.program_text, self.path, self.saved_text, text)
        self.path = path
        self.load_text(text)
        self.saved_text = text
        if old.text != text and not self.scripted:
            self.replaced = old
            self.notify(f"Opened {what}: ctrl+z brings back the program it replaced")

    def action_undo_replace(self) -> None:
        """ctrl+z: undo the last replace while the editor still holds what replaced it; in the editor,
        otherwise, the editor's own undo."""
        from textual.widgets import TextArea

        old = self.replaced
        if old is not None and len(self.screen_stack) == 1 and self.program_text == old.by:
            self.replaced = None
            self.path = old.path
            self.load_text(old.text)
            self.saved_text = old.saved_text
            self.notify("The replaced program is back (ctrl+z again does nothing more)")
        elif isinstance(self.focused, TextArea):
            self.focused.action_undo()
        elif len(self.screen_stack) == 1:
            self.notify("Nothing to undo: ctrl+z undoes opening a preset or a file", severity="warning")

    # -- quitting -----------------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """ctrl+q: quit, asking first when trained weights or the program's edits would be lost; ctrl+q in
        that question quits."""
        from backprop_tui.tui.screens.unsaved import UnsavedDialog

        top = self.screen
        if isinstance(top, UnsavedDialog) and top.quitting:
            self.exit()
            return
        def program() -> None:
            self.ask_unsaved("The program has unsaved edits. Save them before quitting?", self.exit,
                             discard_label="Quit without saving", quitting=True)

        self.ask_trained("quitting", program, quitting=True,
                         discard_label="Discard the weights" if self.unsaved else "Quit without saving")
