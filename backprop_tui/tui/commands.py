"""Command palette entries: every key's action, and the example programs."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from backprop_tui.tui.presets import PRESETS

ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Next step", "next", "→ / n"),
    ("Previous step", "previous", "← / p"),
    ("First: the start", "first", "home"),
    ("Last step", "last", "end"),
    ("Finish the forward pass", "finish_forward", "f"),
    ("Run through the backward pass", "run_backward", "b"),
    ("Edit the program", "edit", "e"),
    ("Rebuild the graph now", "rebuild", "ctrl+r"),
    ("Open a program file", "open", "o"),
    ("Save the program", "save", "s"),
    ("Pick an example program", "presets", "t"),
    ("Find a node by name", "find", "/"),
    ("Help: chain rule, product rule, notation", "help_always", "? / f1"),
    ("Quiz mode: predict each number before it is shown (on / off)", "quiz", "q"),
    ("Quiz: start over from the first step (forget the answers and the score)", "quiz_restart", "—"),
)


class BackpropCommands(Provider):
    """Steps, files and the presets, searchable in the palette (ctrl+p)."""

    def _entries(self) -> Iterable[tuple[str, object, str]]:
        app = self.app
        for title, action, key in ACTIONS:
            yield title, partial(app.run_action, action), f"key: {key}"
        for p in PRESETS:
            yield f"Example: {p.title}", partial(app.load_preset, p.key), p.about  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for title, callback, help_text in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)  # type: ignore[arg-type]
