"""Saving never replaces a file without asking: which targets of a save would replace a file that is not the
program's (or the network's) own, and the question naming them: replace, or cancel (the default).

"Own" files are the one the work was opened from and the ones this session last saved to: saving back to
them is the normal case and does not ask. Scripted runs (`--screenshot`) never ask.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from backprop_tui.errors import BadInput
from backprop_tui.files import printable_name
from backprop_tui.tui.screens.dialogs import DIALOG_CSS, Dialog

REPLACE = "replace"


def same_file(a: str | os.PathLike[str] | None, b: str | os.PathLike[str] | None) -> bool:
    """`a` and `b` name the same file (after ~, links and relative parts), without touching either."""
    if not a or not b or str(a) == "-" or str(b) == "-":
        return False
    try:
        return os.path.realpath(Path(a).expanduser()) == os.path.realpath(Path(b).expanduser())
    except (OSError, ValueError):
        return False


def clobbered(targets: Iterable[str | Path], own: Iterable[str | Path | None]) -> list[Path]:
    """The targets that exist as files (not folders) and are none of `own`: a save would replace them."""
    mine = [o for o in own if o]
    found = []
    for target in targets:
        path = Path(target).expanduser()
        try:
            exists = path.exists() and not path.is_dir()
        except (OSError, ValueError):  # a NUL in the name, a name too long: the write will say why
            exists = False
        if exists and not any(same_file(path, o) for o in mine):
            found.append(path)
    return found


def confirm_replace(app: App, targets: Iterable[str | Path], own: Iterable[str | Path | None],
                    then: Callable[[], object], host: Callable[[str], str] | None = None) -> None:
    """Run `then` (the write) now when it replaces nothing but the work's own files; else ask first.
    `host` maps a typed name to the file it writes (serve mode's class folder); a name it refuses goes
    straight to the write, which says why."""
    paths = [str(t) for t in targets]
    mine = [str(o) for o in own if o]
    if host is not None:
        try:
            paths = [host(p) for p in paths]
        except BadInput:
            paths = []
        mine = [m for m in map(_hosted(host), mine) if m]
    found = [] if getattr(app, "scripted", False) else clobbered(paths, mine)
    if not found:
        then()
        return

    def answered(choice: str | None) -> None:
        if choice == REPLACE:
            then()

    app.push_screen(ReplaceDialog(found), answered)


def _hosted(host: Callable[[str], str]) -> Callable[[str], str | None]:
    def mapped(path: str) -> str | None:
        try:
            return host(path)
        except BadInput:
            return None

    return mapped


class ReplaceDialog(Dialog):
    """"Replace NAME? It exists." Answers "replace" or None (cancel). Keys: r replace, escape cancel; the
    focus starts on Cancel, so an enter typed ahead keeps the file."""

    AUTO_FOCUS = "#cancel"
    DEFAULT_CSS = DIALOG_CSS.format(name="ReplaceDialog") + """
    ReplaceDialog Horizontal { height: auto; width: 100%; margin-top: 1; }
    ReplaceDialog Button { margin-right: 1; }
    ReplaceDialog .where { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("r", "replace", "Replace", show=False),
    ]

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self.paths = paths

    @property
    def question(self) -> str:
        names = [printable_name(p.name, 60) for p in self.paths]
        if len(names) == 1:
            return f"Replace {names[0]}? It exists."
        return f"Replace {' and '.join(names)}? They exist."

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            for p in self.paths:
                yield Label(printable_name(str(p.absolute())), classes="where")
            with Horizontal():
                yield Button("Replace (r)", id=REPLACE, variant="error")
                yield Button("Cancel (esc)", id="cancel", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.answer(REPLACE if event.button.id == REPLACE else None)

    def action_replace(self) -> None:
        self.answer(REPLACE)
