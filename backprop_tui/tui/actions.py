"""The app's dialogs and files: help, open, save, presets, find (a mixin of BackpropApp)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from backprop_tui.errors import BadInput

if TYPE_CHECKING:
    from backprop_tui.tui.app import BackpropApp

    Base = BackpropApp
else:
    Base = object


class DialogActions(Base):
    loading_model = False  # a PyTorch model file (or a large spec) is being read: scripted keys wait for it

    def action_edit(self) -> None:
        self.editor.focus()

    def action_leave_editor(self) -> None:
        self.graph.focus()

    def action_rebuild(self) -> None:
        self.rebuild()

    def action_help(self) -> None:
        self.action_help_always()

    def action_help_always(self) -> None:
        """f1 and the palette's Help: the help of the screen on top (and f1 again closes it)."""
        from backprop_tui.tui.screens.help import HelpScreen
        from backprop_tui.tui.screens.network import NetworkScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.action_close()
        elif isinstance(self.screen, NetworkScreen):
            self.screen.action_help()
        elif len(self.screen_stack) == 1:
            self.push_screen(HelpScreen())

    def action_open(self) -> None:
        from backprop_tui.host_files import turned_off
        from backprop_tui.tui.screens.dialogs import PromptDialog

        if why := turned_off("open"):  # serve mode without a files folder: no dialog to refuse later
            self.error_line.show(why)
            return

        self.push_screen(PromptDialog("Open a program file:", self.path or "", "path/to/program.bp"),
                         self.open_path)

    def open_path(self, path: str | None) -> None:
        if not path:
            return
        from backprop_tui.files import cannot_open, printable_name, read_bytes
        from backprop_tui.host_files import host_path
        from backprop_tui.lang.load import decode, is_network_spec
        from backprop_tui.lang.torch_model.detect import is_model_source

        try:
            text = decode(read_bytes(host_path(path, "open"), "SPEC_BYTES", "program or spec"))
        except BadInput as err:
            self.error_line.show(cannot_open(path, err), transient=True)  # the program itself is fine
            self.notify(f"cannot open {printable_name(path)}", severity="error")
            return
        if is_network_spec(path, text) or is_model_source(text):  # it takes the network screen's place
            self.ask_trained(f"opening {printable_name(path, 60)}", lambda: self.open_network(path, text))
            return
        self.replace_program(text, path, printable_name(path))

    def open_network(self, path: str, text: str) -> None:
        """A network spec opens the network screen; a bad spec is an inline error, the app keeps running.
        A large spec, or one that reads a CSV file (up to limits.CSV_BYTES), loads in the background."""
        from pathlib import Path as _Path

        from backprop_tui.lang.load import is_network_spec
        from backprop_tui.lang.torch_model.detect import is_model_source
        from backprop_tui.network.spec import parse_spec
        from backprop_tui.tui.building import BACKGROUND_CHARS, in_background

        if not is_network_spec(path, text) and is_model_source(text):
            self.open_model(path, text)
            return
        base = _Path.cwd() if path == "-" else _Path(path).parent
        if len(text) > BACKGROUND_CHARS or "csv" in text:
            self.error_line.show(f"loading {path}… the app stays usable; ctrl+q quits")
            self.loading_model = True  # scripted keys wait for the network screen (tui.launch)
            in_background(self, lambda: parse_spec(text, base), lambda spec: self.show_network(path, spec))
            return
        try:
            spec = parse_spec(text, base)
        except BadInput as err:
            spec = err
        self.show_network(path, spec)

    def open_model(self, path: str, text: str) -> None:
        """A PyTorch model file: read here, its draws replayed by torch in the referee process (a worker
        thread: the app keeps running), then the network screen, with the notes said in a toast."""
        self.loading_model = True
        self.notify(f"{path}: reading the model; torch replays its random draws…", timeout=4)
        self.run_worker(lambda: self._load_model(path, text), thread=True, group="model-load", exclusive=True)

    def _load_model(self, path: str, text: str) -> None:
        from backprop_tui.network.model_cli import app_summary, load
        from backprop_tui.network.remote import CheckFailed, RemoteChecker

        remote = RemoteChecker()
        try:
            bound = load(text, None, None, remote)
        except (BadInput, CheckFailed) as err:
            why = str(err) if isinstance(err, BadInput) else f"the torch referee failed: {err}"
            self.call_from_thread(self._model_failed, path, why)
            return
        finally:
            remote.close()
        self.call_from_thread(self._model_loaded, bound.spec, [path, *app_summary(bound)], path)

    def _model_failed(self, path: str, why: str) -> None:
        self.loading_model = False
        self.error_line.show(f"{path}: {why}", transient=True)
        self.notify(f"cannot open {path}", severity="error")

    def _model_loaded(self, spec: object, lines: list[str], path: str | None = None) -> None:
        self.loading_model = False
        self.show_network(path or "model", spec)
        warned = any(line.startswith("warning:") for line in lines)
        self.notify("\n".join(lines), title="PyTorch model", severity="warning" if warned else "information",
                    timeout=20)

    def show_network(self, path: str, spec: object) -> None:
        from backprop_tui.files import cannot_open
        from backprop_tui.tui.screens.network import NetworkScreen

        self.loading_model = False
        if isinstance(spec, BadInput):
            self.error_line.show(cannot_open(path, spec), transient=True)
            self.notify(f"cannot open {path}", severity="error")
            return
        self.error_line.show(None)
        if len(self.screen_stack) > 1:
            self.notify(f"{path} is loaded: close this dialog, then open it again", severity="warning")
            return
        if self.has_network:
            self.uninstall_screen(NETWORK)
        # installed, so that popping it to walk a neuron's chain keeps it (and its training) for `w`
        trace_checker, epoch_checker = getattr(self, "network_checkers", None) or (None, None)
        quiz = self.quiz.phases if self.quiz.on else None  # --quiz (or the chain's quiz on): the network's too
        self.install_screen(NetworkScreen(spec, check=self.check_enabled, path=path, trace_checker=trace_checker,
                                          epoch_checker=epoch_checker, quiz=quiz), NETWORK)
        self.push_screen(NETWORK)
        self.refresh_bindings()

    @property
    def has_network(self) -> bool:
        return self.is_screen_installed(NETWORK)

    def action_no_network(self) -> None:
        self.notify("w goes back to a network: none is open yet. Open a network spec (.toml, such as "
                    "examples/xor.toml) or a PyTorch model file with o", severity="warning")

    def action_network(self) -> None:
        if self.has_network and len(self.screen_stack) == 1:
            self.push_screen(NETWORK)

    def on_network_screen_open_chain(self, message: object) -> None:
        """A neuron of the network, as a scalar program, in the chain view (`w` goes back)."""
        from backprop_tui.tui.screens.network import NetworkScreen

        if isinstance(self.screen, NetworkScreen):
            self.pop_screen()
        elif any(isinstance(s, NetworkScreen) for s in self.screen_stack):
            return  # something was opened over the network screen meanwhile: that comes first
        self.replace_program(message.text, None, "the neuron's chain")  # type: ignore[attr-defined]
        self.notify("a neuron as a scalar chain: press w to return to the network")

    def action_save(self) -> None:
        from backprop_tui.host_files import turned_off
        from backprop_tui.tui.screens.dialogs import PromptDialog

        if why := turned_off("save"):
            self.error_line.show(why)
            return

        self.push_screen(PromptDialog("Save the program as:", self.path or "program.bp"), self.save_asked)

    def save_asked(self, path: str | None, then: Callable[[], object] | None = None) -> None:
        """A name typed in the save prompt: ask before replacing a file other than the program's own (the one
        it was opened from or last saved to), then write it, then run `then` (if the write succeeded)."""
        if not path:
            return
        from backprop_tui.host_files import host_path
        from backprop_tui.tui.screens.overwrite import confirm_replace

        def write() -> None:
            if self.save_path(path) and then is not None:
                then()

        confirm_replace(self, [path], [self.path], write, host=lambda p: host_path(p, "save"))

    def save_path(self, path: str | None) -> bool:
        """Write the program to `path`; False (and a notice) when it cannot be written."""
        if not path:
            return False
        from backprop_tui.host_files import host_path

        try:
            text = self.editor.text
            Path(host_path(path, "save")).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except BadInput as err:  # serve mode: outside the class folder, or no host files at all
            from backprop_tui.tui.widgets.editor import ErrorLine

            self.screen_stack[0].query_one(ErrorLine).show(f"not saved: {err}")  # under a network screen too
            self.notify(str(err), title="not saved", severity="error")
            return False
        except (OSError, ValueError) as err:  # ValueError: a NUL in the name
            self.notify(f"cannot save {path}: {getattr(err, 'strerror', None) or err}", severity="error")
            return False
        self.path = path
        self.mark_saved(text)
        self.notify(f"saved {path}")
        return True

    def action_presets(self) -> None:
        from backprop_tui.tui.screens.dialogs import PresetPicker

        self.push_screen(PresetPicker(), self.load_preset)

    def load_preset(self, key: str | None) -> None:
        from backprop_tui.tui.presets import BY_KEY

        if key in BY_KEY:
            self.replace_program(BY_KEY[key].text, None, f"the example “{BY_KEY[key].title}”")

    def action_command_palette(self) -> None:
        """Textual's palette with its empty-list paging guarded (tui.commands.SafeCommandPalette)."""
        from textual.command import CommandPalette

        from backprop_tui.tui.commands import SafeCommandPalette

        # not CommandPalette.is_open, which sees only the top screen: a palette under a dialog (ctrl+q, then
        # "save first" from the palette) would be opened twice, with the same id (DuplicateIds)
        if self.use_command_palette and not any(isinstance(s, CommandPalette) for s in self.screen_stack):
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    def search_themes(self) -> None:
        """The palette's "Change theme", in the guarded palette too."""
        from textual.theme import ThemeProvider

        from backprop_tui.tui.commands import SafeCommandPalette

        self.push_screen(SafeCommandPalette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def load_text(self, text: str) -> None:
        self.editor.load_text(text)
        self.k = 0
        self.rebuild()

    def action_find(self) -> None:
        from backprop_tui.tui.screens.dialogs import PromptDialog

        names = self.state.trace.names if self.state else []
        self.push_screen(PromptDialog("Find a node by name:", "", "name", names), self.find)

    def find(self, name: str | None) -> None:
        if not name or self.state is None:
            return
        if name not in self.state.trace.values:
            self.notify(f"no node named {name!r}", severity="warning")
            return
        self.select(name)


NETWORK = "network"  # the installed network screen's name
