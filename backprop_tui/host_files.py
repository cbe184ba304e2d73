"""Which files on the host the app may open and save: all of them (the user's own app), none, or only those
inside one folder (a classroom served to browsers by `backprop-tui serve`).

In the browser, the keyboard belongs to a learner but the disk belongs to the teacher's machine: `o` must
not show `/etc/passwd`, and `s` must not overwrite the teacher's files. `serve` passes its choice to every
app process in the environment variable BACKPROP_TUI_FILES:

    (unset)        the user's own app: every path as typed
    off            no host files: open and save are refused with a message saying so
    dir:/abs/DIR   only files inside DIR: relative names, resolved inside DIR; refused are absolute paths,
                   `..`, `~`, standard input (`-`), and any name that leads outside DIR through a link

Every open and save of the app goes through `host_path` (the chain screen's `o` and `s`, "save first"
before a replace, the network screen's saved spec and its torch script), and a network spec's CSV data
through `data_path`. A setting that cannot be read fails closed (no host files), never open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from backprop_tui.errors import BadInput
from backprop_tui.files import printable_name

ENV = "BACKPROP_TUI_FILES"
OFF = "off"
DIR_PREFIX = "dir:"


@dataclass(frozen=True)
class Access:
    """Serve mode's file access: `folder` None means no host files at all."""

    folder: Path | None

    @property
    def setting(self) -> str:
        """This access as the value of BACKPROP_TUI_FILES."""
        return OFF if self.folder is None else f"{DIR_PREFIX}{self.folder}"


def from_setting(value: str) -> Access:
    """BACKPROP_TUI_FILES's value as an Access; anything unreadable (a relative or missing folder) is `off`."""
    if value.startswith(DIR_PREFIX):
        folder = Path(value[len(DIR_PREFIX):])
        if folder.is_absolute() and folder.is_dir():
            return Access(Path(os.path.realpath(folder)))
    return Access(None)


def current() -> Access | None:
    """The access in force for this process: None when the app is the user's own (no restriction)."""
    value = os.environ.get(ENV)
    return None if value is None else from_setting(value.strip())


def host_path(typed: str, purpose: str = "open") -> str:
    """The path to open or save for a name the user typed: `typed` itself in the user's own app; in serve
    mode, the resolved path inside the class folder. `purpose` is "open" or "save" (it words the
    message). BadInput, naming the file and why, when serve mode refuses it."""
    access = current()
    if access is None:
        return typed
    return str(confine(typed, access, purpose))


def confine(typed: str, access: Access, purpose: str = "open") -> Path:
    """`typed` resolved inside `access.folder`, or BadInput saying why not (the pure rule `host_path` applies)."""
    shown = printable_name(typed)
    if access.folder is None:
        raise BadInput(f"{shown}: {_off(purpose)}" if typed else _off(purpose))
    if not typed.strip():
        raise BadInput("give a file name inside the class folder, such as chain.bp")
    if "\x00" in typed:
        raise BadInput(f"{shown}: a file name cannot contain a NUL character")
    if typed.strip() == "-":
        raise BadInput("-: standard input is not available here; name a file inside the class folder")
    if os.path.isabs(typed) or Path(typed).drive or typed.startswith("\\"):
        raise BadInput(f"{shown}: absolute paths are refused here; name a file inside the class folder, "
                       "such as chain.bp")
    if ".." in typed.replace("\\", "/").split("/"):
        raise BadInput(f"{shown}: '..' is refused here: files stay inside the class folder")
    if typed.startswith("~"):
        raise BadInput(f"{shown}: '~' (a home folder) is refused here: files stay inside the class folder")
    return inside(access.folder / typed, access.folder, shown)


def inside(path: Path, folder: Path, shown: str) -> Path:
    """`path` with every link resolved (a relative one from the working folder, as it would be read), if it
    stays inside `folder`; else BadInput naming `shown`."""
    real = Path(os.path.realpath(path))
    root = Path(os.path.realpath(folder))
    if real == root or root in real.parents:
        return real
    lexical = Path(os.path.abspath(path))  # before links are followed
    how = " (through a symbolic link)" if lexical == root or root in lexical.parents else ""
    raise BadInput(f"{shown}: refused: it leads outside the class folder{how}")


def data_path(path: Path) -> Path:
    """A data file a network spec names (its CSV), as resolved: in a class folder it must lie inside it.
    Specs come from the folder too, so a spec a learner saved there cannot read the host's files."""
    access = current()
    if access is None or access.folder is None:
        return path  # without a folder, the only spec is the one the teacher served
    return inside(path, access.folder, f"[data] csv {printable_name(str(path))}")


def turned_off(purpose: str = "open") -> str | None:
    """The message to show at once, instead of a file-name dialog, when serve mode has no host files at all;
    None otherwise."""
    access = current()
    return _off(purpose) if access is not None and access.folder is None else None


def _off(purpose: str) -> str:
    if purpose == "save":
        return ("saving files is turned off here (the classroom is served without a files folder); your program "
                "stays in the editor while this tab is open")
    return "opening files is turned off here (the classroom is served without a files folder); t opens the examples"
