"""One learner's app, as `backprop-tui serve` starts it for each browser tab (the hidden app mode):

    python -m backprop_tui.serve.session [FILE]

The server sets its environment: TEXTUAL_DRIVER (textual-serve's web driver: the screen goes to the tab),
BACKPROP_TUI_REFEREE (the classroom's one torch referee) and BACKPROP_TUI_FILES (host_files: which host
files open and save may reach; with a folder, the app works inside it). FILE is the teacher's: it opens
in every tab, and a learner's `s` asks for a name of their own rather than overwriting it.

BACKPROP_TUI_STATUS=PATH (for tests and scripts): the app keeps a one-line JSON summary of where the
learner is (screen, step k of n, the error line, torch's verdict) in PATH, rewritten whenever it changes;
`{pid}` in PATH becomes the app's process id (a file per tab).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from backprop_tui import host_files
from backprop_tui.tui import app as app_module
from backprop_tui.tui.app import BackpropApp

STATUS_ENV = "BACKPROP_TUI_STATUS"
STATUS_EVERY = 0.1  # seconds between looks at the app's position
SUFFIXES = {".bp", ".py", ".toml", ".txt"}  # what `o` opens: programs, snippets and model files, specs
LISTED = 500  # files `o` completes from (a class folder, not a home directory)
SHOWN = 6  # of which its title names


class ServedApp(BackpropApp):
    """The app in a browser tab: the teacher's file is not the learner's to overwrite, and the position is
    reported to BACKPROP_TUI_STATUS when that is set."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))  # Textual reads it beside the subclass

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.path = None  # `s` asks for a name: thirty learners saving over the teacher's file helps no one
        where = os.environ.get(STATUS_ENV) or None  # "{pid}" in it: a file per tab (bench/serve_memory.py)
        self._status_file = where.replace("{pid}", str(os.getpid())) if where else None
        self._last_status = ""

    def action_open(self) -> None:
        """`o` in a class folder: the dialog names the files there and completes them as the learner types
        (in a browser there is no shell to list the folder with)."""
        access = host_files.current()
        if access is None or access.folder is None:
            super().action_open()
            return
        from backprop_tui.tui.screens.dialogs import PromptDialog

        names = folder_files(access.folder)
        shown = ", ".join(names[:SHOWN]) + (f", … ({len(names)} in all)" if len(names) > SHOWN else "")
        title = f"Open a file of the class folder: {shown}" if names else "Open a file (the class folder is empty)"
        self.push_screen(PromptDialog(title, self.path or "", "chain.bp", names), self.open_path)

    def on_mount(self) -> None:
        if self._status_file:
            self.set_interval(STATUS_EVERY, self._write_status)

    def status(self) -> dict[str, object]:
        """Where the learner is: the screen on top, the step k of n on it, the error line's text, the network
        screen's message line, torch's verdict on the chain, and the file access in force."""
        from backprop_tui.tui.widgets.editor import ErrorLine

        screen = self.screen
        if screen is self.screen_stack[0]:
            step, steps = self.k, self.state.n if self.state else None
        else:  # the network screen (its own step k of the network's steps), a dialog, help
            net = getattr(screen, "net", None)
            step, steps = getattr(screen, "k", None), len(net.steps) if net is not None else None
        error = self.screen_stack[0].query_one(ErrorLine).content
        return {"pid": os.getpid(), "screen": type(screen).__name__, "step": step, "steps": steps,
                "error": str(error) or None, "message": getattr(screen, "message", None),
                "torch": self.torch_status().plain,  # the shared referee's verdict on the chain
                "files": os.environ.get(host_files.ENV)}

    def _write_status(self) -> None:
        with contextlib.suppress(Exception):  # a report for tests: never the reason a learner's app stops
            line = json.dumps(self.status(), default=str)
            if line == self._last_status:
                return
            temporary = f"{self._status_file}.{os.getpid()}.tmp"
            with open(temporary, "w", encoding="utf-8") as f:
                f.write(line + "\n")
            os.replace(temporary, self._status_file)  # type: ignore[arg-type]
            self._last_status = line


def folder_files(folder: Path, depth: int = 2) -> list[str]:
    """The programs, specs and model files in `folder` and its subfolders (to `depth`), as names relative
    to it, sorted; hidden files and links are left out, and at most LISTED are named."""
    found: list[str] = []
    for here, dirs, files in os.walk(folder):
        level = len(Path(here).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and level < depth)
        for name in sorted(files):
            path = Path(here) / name
            if path.suffix in SUFFIXES and not name.startswith(".") and not path.is_symlink():
                found.append(str(path.relative_to(folder)))
                if len(found) >= LISTED:
                    return sorted(found)
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    access = host_files.current()
    if access is not None and access.folder is not None:
        os.chdir(access.folder)  # relative names, a spec's CSV beside it: all inside the class folder
    from backprop_tui.tui.launch import launch

    return launch(args[0] if args else None, ascii=False, app_class=ServedApp)


if __name__ == "__main__":
    raise SystemExit(main())
