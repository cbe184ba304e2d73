"""Textual's Footer, showing the keys that fit the terminal's width, whole, and the palette key always.

The stock Footer lays every key out in one scrolling row and docks the palette key over its right end: at
80 and 100 columns the row runs under it and a description is cut in two (`Backward^ppalette`). This one
chooses, in order of what a learner needs first (PRIORITY), the keys whose full width fits beside the
palette key, and shows them in their own order; the rest are in the palette (ctrl+p) and the help (?).

It also composes its keys as soon as the bindings are known (before the first frame), and recomposes only
when what it shows changes (keys, descriptions, enabled states, or the keys that fit after a resize),
at most once per refresh: the stock Footer recomposes (removes and remounts every key) on every bindings
signal, ~20 ms each.
"""

from __future__ import annotations

from collections.abc import Hashable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets (8.2.8)

# the actions a narrow footer keeps first; any other shown key comes after these, in its own order
PRIORITY = ("next", "previous", "finish_forward", "run_backward", "help", "quit", "edit", "toggle_level",
            "toggle_fit", "quiz", "find", "presets", "open", "save", "first", "last", "network", "rebuild")
PALETTE_CELLS = 14  # the docked palette key: its border, ` ^p palette `, padding, and a cell to spare
KEY_PADDING = 3  # a key's cells beyond its key and description: ` key desc `


def key_cells(key_display: str, description: str) -> int:
    return cell_len(key_display) + cell_len(description) + KEY_PADDING


def fitting(keys: list[tuple[str, int]], room: int) -> set[str]:
    """The actions to show: (action, cells) in footer order; the most needed first while they fit."""
    rank = {action: i for i, action in enumerate(PRIORITY)}
    chosen: set[str] = set()
    used = 0
    for action, cells in sorted(keys, key=lambda k: rank.get(k[0], len(PRIORITY))):
        if used + cells <= room:
            chosen.add(action)
            used += cells
    return chosen


class KeysFooter(Footer):
    DEFAULT_CSS = """
    KeysFooter FooterKey.-command-palette { padding-right: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: Hashable = None  # the signature of the keys on screen; None before the first keys
        self._pending = False

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def _keys(self) -> list[tuple[str, str, str]]:
        """(action, key display, description) of each shown binding, one per action, in footer order."""
        seen: dict[str, tuple[str, str, str]] = {}
        palette = self.app.COMMAND_PALETTE_BINDING
        for key, (_, binding, _enabled, _tip) in self.screen.active_bindings.items():
            if binding.show and key != palette and binding.action not in seen:
                seen[binding.action] = (binding.action, self.app.get_key_display(binding), binding.description)
        return list(seen.values())

    def _fit(self) -> set[str]:
        room = self._width() - (PALETTE_CELLS if self.show_command_palette else 0)
        return fitting([(a, key_cells(k, d)) for a, k, d in self._keys()], room)

    def _signature(self) -> Hashable:
        """What compose reads: the shown bindings in order, the command palette's, and which keys fit."""
        palette = self.app.COMMAND_PALETTE_BINDING
        bindings = tuple((key, binding.key, binding.action, binding.description, binding.key_display,
                          binding.group, binding.tooltip, enabled, tooltip)
                         for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
                         if binding.show or key == palette)
        return bindings, frozenset(self._fit()), self.show_command_palette, self.compact, \
            self.app.ENABLE_COMMAND_PALETTE

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._shown = self._signature()
        keep = self._fit()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                palette = widget.has_class("-command-palette")
                if not palette and widget.action not in keep:
                    continue
                # the key starts with the `compact` it ends with (Footer binds all but the palette key to its
                # own), so the watcher's restyle runs at most once
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self._recompose_soon()

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None:
            self._recompose_soon()

    def _recompose_soon(self) -> None:
        if self._pending:
            return
        self._pending = True
        if self._shown is None:  # no keys yet: compose them now, in time for the first frame
            self.call_later(self._recompose_if_changed)
        else:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if self.is_attached and self._signature() != self._shown:
            await self.recompose()
