"""Keeping what was trained (a mixin of NetworkScreen): `s` saves the network's parameters as a TOML spec with
[params] and a torch script beside it; the app asks before ctrl+q or opening another network would drop
weights that training (or `u`) changed and nobody saved (tui.unsaved_work.ask_trained).

The suggested name is `<name>-trained.toml` next to the file the network came from when that folder is
writable and is not the project's own examples folder, else in the working folder. A save never replaces
another file without asking (screens/overwrite.py); saving again to the file saved to, or back to the spec
opened, does not ask.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from backprop_tui.errors import BadInput
from backprop_tui.network.report import describe
from backprop_tui.numbers import short

if TYPE_CHECKING:
    from backprop_tui.tui.screens.network import NetworkScreen

    Base = NetworkScreen
else:
    Base = object

PACKAGE = Path(__file__).resolve().parents[2]  # backprop_tui/
EXAMPLES = PACKAGE.parent / "examples"  # the repository's examples (a source checkout or editable install)
SCRIPT_MARK = "the network backprop-tui trained"  # in the first lines of every torch script save writes


def suggested_path(opened: str | None) -> str:
    """Where `s` proposes to save: beside the opened file if that folder is the user's and writable, else a
    bare name (the working folder). Never inside the project's examples or the installed package."""
    from backprop_tui.host_files import current

    real = opened not in (None, "", "-", "model")
    name = f"{Path(opened).stem if real else 'network'}-trained.toml"  # type: ignore[arg-type]
    if not real or current() is not None:  # serve mode: a name inside the class folder
        return name
    folder = Path(opened).expanduser().parent  # type: ignore[arg-type]
    if str(folder) in ("", ".") or not _keeps_user_files(folder):
        return name
    return str(Path(opened).with_name(name))  # type: ignore[arg-type]


def _keeps_user_files(folder: Path) -> bool:
    try:
        real = Path(os.path.realpath(folder))
        if not real.is_dir() or not os.access(real, os.W_OK):
            return False
    except (OSError, ValueError):
        return False
    return not any(real == top or top in real.parents for top in (EXAMPLES.resolve(), PACKAGE))


def _written_by_us(path: Path) -> bool:
    """A torch script that an earlier save wrote (replacing it along with its spec is saving back)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return SCRIPT_MARK in f.read(400)
    except OSError:
        return False


def _same_params(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a is b or (a.keys() == b.keys() and all(
        np.shape(a[k]) == np.shape(b[k]) and np.asarray(a[k]).tobytes() == np.asarray(b[k]).tobytes() for k in a))


class NetSaveMixin(Base):
    def init_saving(self) -> None:
        self.saved_params: dict[str, np.ndarray] = self.spec.params  # as opened, or as last saved
        self.saved_to: tuple[str, str] | None = None  # the spec and script this screen last wrote
        self._after_training: list[Callable[[], object]] = []

    @property
    def unsaved_training(self) -> bool:
        """Training is running, or training or `u` changed the parameters since they were opened or saved
        (parameters holding inf or nan are nothing to keep: not counted)."""
        if self.training:
            return True
        params = self.spec.params
        if _same_params(params, self.saved_params):
            return False
        return all(np.isfinite(np.asarray(p)).all() for p in params.values())

    def _trained(self, res: Any, error: str | None) -> None:
        """Training's end (TrainingMixin._trained), then what waited for it (a save asked for meanwhile)."""
        super()._trained(res, error)  # type: ignore[misc]
        pending, self._after_training = self._after_training, []
        for then in pending:
            then()

    def action_save(self) -> None:
        self.save_then(None)

    def save_then(self, then: Callable[[], object] | None) -> None:
        """Ask for a name and save; then run `then` if it was saved. While training runs, stop it first and
        save the weights it reached."""
        from backprop_tui.host_files import turned_off
        from backprop_tui.tui.screens.dialogs import PromptDialog

        if why := turned_off("save"):  # serve mode without a files folder
            self.message = f"not saved: {why}"
            self.refresh_views()
            return
        if self.training:
            self.stop_training()
            self.message = "stopping the training to save the weights it reached…"
            self.refresh_views()
            self._after_training.append(lambda: self.save_then(then))
            return
        default = self.saved_to[0] if self.saved_to else suggested_path(self.path)
        self.app.push_screen(PromptDialog("Save the current weights as a spec (a torch script goes beside it):",
                                          default, "trained.toml"), lambda path: self.save_asked(path, then))

    def save_asked(self, path: str | None, then: Callable[[], object] | None = None) -> None:
        """The name typed: ask before replacing files that are not this network's own, then write."""
        if not path:
            return
        from backprop_tui.host_files import host_path
        from backprop_tui.tui.screens.overwrite import confirm_replace, same_file

        def write() -> None:
            if self.save_to(path) and then is not None:
                then()

        def hosted(p: str) -> str:
            return host_path(p, "save")

        if not path.lower().endswith(".toml"):
            write()  # save_trained says what to name it
            return
        toml, py = path, str(Path(path).with_suffix(".py"))
        own: list[str | None] = list(self.saved_to or ())
        if self.path and self.path.lower().endswith(".toml"):
            own.append(self.path)  # saving back to the spec opened
        if any(same_file(_host_or_none(hosted, toml), _host_or_none(hosted, o)) for o in own if o) \
                and _written_by_us(Path(_host_or_none(hosted, py) or py).expanduser()):
            own.append(py)  # and the script an earlier save put beside it
        confirm_replace(self.app, [toml, py], own, write, host=hosted)

    def save_to(self, path: str | None) -> bool:
        """Write the spec and its torch script; True when both were written."""
        if not path:
            return False
        from backprop_tui.host_files import host_path
        from backprop_tui.network.save import save_trained

        note = f"saved by backprop-tui from {self.path or 'the app'}: {describe(self.spec)}"
        if self.last_result is not None:
            note += f"\ntrained {self.last_result.epochs} epochs in the app: loss {short(self.last_result.losses[0])}" \
                    f" → {short(self.net.loss)}"
        try:
            toml_path, py_path = save_trained(self.spec, self.spec.params, host_path(path, "save"), self.net.loss,
                                              note)
        except BadInput as err:
            self.message = f"not saved: {err}"
            self.app.notify(str(err), severity="error")
            self.refresh_views()
            return False
        self.saved_params = self.spec.params
        self.saved_to = (path, str(Path(path).with_suffix(".py")))
        self.message = f"saved {toml_path} and {py_path.name}"
        self.app.notify(f"saved {toml_path} (reopens exactly) and {py_path.name} (torch)")
        self.refresh_views()
        return True


def _host_or_none(host: Callable[[str], str], path: str | None) -> str | None:
    if not path:
        return None
    try:
        return host(path)
    except BadInput:
        return None
