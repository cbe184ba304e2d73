"""Command palette entries: every key's action, and the example programs."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import on
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets import Button, Input

from backprop_tui.tui.presets import PRESETS

# stepping: the same keys and words on both screens
STEPPING: tuple[tuple[str, str, str], ...] = (
    ("Next step", "next", "→ / n"),
    ("Previous step", "previous", "← / p"),
    ("First: the start", "first", "home"),
    ("Last step", "last", "end"),
    ("Finish the forward pass", "finish_forward", "f"),
    ("Run through the backward pass", "run_backward", "b"),
)

ACTIONS: tuple[tuple[str, str, str], ...] = (
    *STEPPING,
    ("Edit the program", "edit", "e"),
    ("Rebuild the graph now", "rebuild", "ctrl+r"),
    ("Open a program file", "open", "o"),
    ("Save the program", "save", "s"),
    ("Pick an example program", "presets", "t"),
    ("Find a node by name", "find", "/"),
    ("Jump to a backward pass or loop iteration (a PyTorch script)", "jump", "j"),
    ("Graph: statement level / gate level (one node per operation)", "toggle_level", "g"),
    ("Graph: fit the whole graph / 1:1", "toggle_fit", "z"),
    ("Help: chain rule, product rule, notation", "help_always", "? / f1"),
    ("Quiz mode: predict each number before it is shown (on / off)", "quiz", "q"),
    ("Quiz: start over from the first step (forget the answers and the score)", "quiz_restart", "—"),
)


NETWORK_ACTIONS: tuple[tuple[str, str, str], ...] = (
    *STEPPING,
    ("Apply the SGD update", "update", "u"),
    ("Neuron cursor up", "cursor(-1)", "↑"),
    ("Neuron cursor down", "cursor(1)", "↓"),
    ("Previous layer", "layer(-1)", "["),
    ("Next layer", "layer(1)", "]"),
    ("Select the neuron under the cursor", "select", "enter"),
    ("Next data row", "row(1)", "r"),
    ("Previous data row", "row(-1)", "R"),
    ("Open the selected neuron as a chain", "chain", "c"),
    ("Matrix view on / off", "matrix", "m"),
    ("Train", "train", "t"),
    ("Pause / resume training", "pause", "space"),
    ("Save the trained parameters (spec and torch script)", "save", "s"),
    ("Next panel", "panel", "v"),
    ("Help: the matrix steps, δ, softmax, drilling into a neuron", "help", "? / f1"),
    ("Quiz mode: predict each neuron's z, a, δ and a weight's gradient before it is shown (on / off)", "quiz", "q"),
    ("Quiz: start over from the first step (forget the answers and the score)", "quiz_restart", "—"),
    ("Back", "leave", "escape"),
)


def _enabled(node: object, action: str) -> bool:
    name = action.split("(")[0]
    check = getattr(node, "check_action", None)
    return check is None or bool(check(name, ()))


class ListedCommands(Provider):
    """A palette provider over a list of (title, callback, help); subclasses give `_entries`."""

    def _entries(self) -> Iterable[tuple[str, object, str]]:
        return ()

    async def discover(self) -> Hits:
        for title, callback, help_text in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)  # type: ignore[arg-type]


class SafeCommandPalette(CommandPalette):
    """Textual 8.2.8's palette with two crashes guarded (both found by the monkey, tests/tui/monkey.py):

    - pagedown or pageup while the command list holds options it has not laid out yet (the list is
      hidden, e.g. when nothing matches) raises KeyError inside OptionList._move_page;
    - a second enter that arrives after the first has dismissed the palette dismisses it again, popping
      the app's last screen (ScreenStackError);
    - typing that arrives after escape starts a search on the closing palette, whose result finds the
      command list gone (NoMatches in a worker).
    """

    @on(Input.Changed)
    @on(Input.Submitted)
    @on(Button.Pressed)
    def _ignore_when_closed(self, event: Input.Changed | Input.Submitted | Button.Pressed) -> None:
        if not self.is_current:  # runs before CommandPalette's own handlers, which it then skips
            event.stop()
            event.prevent_default()

    def _watch__list_visible(self) -> None:
        if self.query(CommandList):  # gone once the palette is closing
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        if self.query(CommandList):
            await super()._watch__show_busy()

    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        if self.is_current:
            super()._select_or_command(event)

    def _action_command_list(self, action: str) -> None:
        if action in ("page_down", "page_up"):
            commands = self.query_one(CommandList)
            highlighted = commands.highlighted or 0
            if not commands.option_count or highlighted not in commands._line_cache.index_to_line:
                return  # nothing laid out to page through
        super()._action_command_list(action)


class NetworkCommands(ListedCommands):
    """The network screen's keys, searchable in the palette; only those that work now are offered."""

    def _entries(self) -> Iterable[tuple[str, object, str]]:
        screen = self.screen
        for title, action, key in NETWORK_ACTIONS:
            if _enabled(screen, action):
                run = getattr(screen, "run_from_palette", None)
                yield title, partial(run, action) if run else partial(self.app.run_action, action, screen), \
                    f"key: {key}"


class BackpropCommands(ListedCommands):
    """Steps, files and the presets, searchable in the palette (ctrl+p), on the chain screen (the first)."""

    def _entries(self) -> Iterable[tuple[str, object, str]]:
        app = self.app
        if app.screen_stack and self.screen is not app.screen_stack[0]:
            return  # another screen (the network, a dialog) offers its own
        for title, action, key in ACTIONS:
            yield title, partial(app.run_action, action), f"key: {key}"
        for p in PRESETS:
            yield f"Preset: {p.title}", partial(app.load_preset, p.key), p.about  # type: ignore[attr-defined]
