"""Textual's Footer, with its keys in the first frame and recomposed only when they change.

The stock Footer starts empty and recomposes (removes and remounts every key) after the next refresh on
every bindings signal: at start-up that is a recompose per focus change, ~20 ms each with our fourteen
keys, and the keys show frames after the rest of the screen. This one composes its keys as soon as the
bindings are known (before the first frame), and later recomposes once per refresh at most, only if
what it shows (keys, descriptions, order, enabled states, tooltips) has changed.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets (8.2.8)


class KeysFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._shown: Hashable = None  # the signature of the keys on screen; None before the first keys
        self._pending = False

    def _signature(self) -> Hashable:
        """What compose reads: the shown bindings in order, and the command palette's."""
        palette = self.app.COMMAND_PALETTE_BINDING
        bindings = tuple((key, binding.key, binding.action, binding.description, binding.key_display,
                          binding.group, binding.tooltip, enabled, tooltip)
                         for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
                         if binding.show or key == palette)
        return bindings, self.show_command_palette, self.compact, self.app.ENABLE_COMMAND_PALETTE

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._shown = self._signature()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # the key starts with the `compact` it ends with (Footer binds all but the palette key to
                # its own; the palette key keeps the default), so the watcher's restyle runs at most once
                compact = True if widget.has_class("-command-palette") else self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            if self._shown is None:  # no keys yet: compose them now, in time for the first frame
                self.call_later(self._recompose_if_changed)
            else:
                self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if self.is_attached and self._signature() != self._shown:
            await self.recompose()
