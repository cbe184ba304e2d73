"""The app's dialogs and files: help, open, save, presets, find (a mixin of BackpropApp)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from backprop_tui.errors import BadInput
from backprop_tui.lang.load import is_network_spec
from backprop_tui.lang.torch_model.detect import is_model_source
from backprop_tui.tui.presets import BY_KEY

if TYPE_CHECKING:
    from backprop_tui.network.spec import Spec
    from backprop_tui.tui.app import BackpropApp

    Base = BackpropApp
else:
    Base = object


class DialogActions(Base):
    loading_model = False  # a PyTorch model file is being read (scripted screenshots wait for it)

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
        from backprop_tui.tui.screens.dialogs import PromptDialog

        self.push_screen(PromptDialog("Open a program file:", self.path or "", "path/to/program.bp"),
                         self.open_path)

    def open_path(self, path: str | None) -> None:
        if not path:
            return
        try:
            text = Path(path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.error_line.show(f"cannot open {path}: {err}")
            self.notify(f"cannot open {path}", severity="error")
            return
        if is_network_spec(path, text) or is_model_source(text):
            self.open_network(path, text)
            return
        self.path = path
        self.load_text(text)

    def open_network(self, path: str, text: str) -> None:
        """A network spec opens the network screen; a bad spec is an inline error, the app keeps running."""
        from backprop_tui.network.spec import load_spec

        if not is_network_spec(path, text) and is_model_source(text):
            self.open_model(path, text)
            return
        try:
            spec = load_spec("-", text) if path == "-" else load_spec(path)
        except BadInput as err:
            self.error_line.show(f"{path}: {err}")
            self.notify(f"cannot open {path}", severity="error")
            return
        self.show_network(spec, path)

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
        self.error_line.show(f"{path}: {why}")
        self.notify(f"cannot open {path}", severity="error")

    def _model_loaded(self, spec: object, lines: list[str], path: str | None = None) -> None:
        self.loading_model = False
        self.show_network(spec, path)  # type: ignore[arg-type]
        warned = any(line.startswith("warning:") for line in lines)
        self.notify("\n".join(lines), title="PyTorch model", severity="warning" if warned else "information",
                    timeout=20)

    def show_network(self, spec: Spec, path: str | None = None) -> None:
        from backprop_tui.tui.screens.network import NetworkScreen

        if self.has_network:
            self.uninstall_screen(NETWORK)
        # installed, so that popping it to walk a neuron's chain keeps it (and its training) for `w`
        trace_checker, epoch_checker = getattr(self, "network_checkers", None) or (None, None)
        self.install_screen(NetworkScreen(spec, check=self.check_enabled, path=path, trace_checker=trace_checker,
                                          epoch_checker=epoch_checker), NETWORK)
        self.push_screen(NETWORK)
        self.refresh_bindings()

    @property
    def has_network(self) -> bool:
        return self.is_screen_installed(NETWORK)

    def action_network(self) -> None:
        if self.has_network and len(self.screen_stack) == 1:
            self.push_screen(NETWORK)

    def on_network_screen_open_chain(self, message: object) -> None:
        """A neuron of the network, as a scalar program, in the chain view (`w` goes back)."""
        self.pop_screen()
        self.path = None
        self.load_text(message.text)  # type: ignore[attr-defined]
        self.notify("a neuron as a scalar chain: press w to return to the network")

    def action_save(self) -> None:
        from backprop_tui.tui.screens.dialogs import PromptDialog

        self.push_screen(PromptDialog("Save the program as:", self.path or "program.bp"), self.save_path)

    def save_path(self, path: str | None) -> None:
        if not path:
            return
        try:
            text = self.editor.text
            Path(path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except OSError as err:
            self.notify(f"cannot save {path}: {err}", severity="error")
            return
        self.path = path
        self.notify(f"saved {path}")

    def action_presets(self) -> None:
        from backprop_tui.tui.screens.dialogs import PresetPicker

        self.push_screen(PresetPicker(), self.load_preset)

    def load_preset(self, key: str | None) -> None:
        if key in BY_KEY:
            self.path = None
            self.load_text(BY_KEY[key].text)

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
