"""The chain screen's footer: the keys that fit the terminal's width, whole, and the palette key always.

Textual's Footer lays every key out in one scrolling row of widgets and docks the palette key over its
right end: at 80 and 100 columns the row runs under it and a description is cut in two
(`Backward^ppalet te`). This footer chooses, in order of what a learner needs first (PRIORITY), the keys
whose full width fits beside the palette key, and shows them in their own order; the rest are in the
palette (ctrl+p) and the help (?).

It is one widget drawing one line (the stock Footer is a widget per key: each styled, laid out and
painted, ~15 ms of the first frame with a dozen keys). It redraws when the bindings change (focus, a
dialog) and on a resize; a click on a key presses it, as on the stock Footer; a disabled key is dim.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

# the actions a narrow footer keeps first; any other shown key comes after these, in its own order
PRIORITY = ("next", "previous", "finish_forward", "run_backward", "help", "quit", "edit", "toggle_level",
            "toggle_fit", "quiz", "find", "presets", "open", "save", "first", "last", "network", "rebuild")


ASCII_KEYS = {"←": "<-", "→": "->", "↑": "up", "↓": "down"}


class Key(NamedTuple):
    key: str  # the key pressed on a click (Textual's name, e.g. "right")
    display: str  # as shown, e.g. "→"
    description: str
    action: str
    enabled: bool

    @property
    def cells(self) -> int:
        return cell_len(self.display) + cell_len(self.description) + 3  # ` key desc `


def fitting(keys: list[Key], room: int) -> list[Key]:
    """The keys to show, in footer order: the most needed first while they fit in `room` cells."""
    rank = {action: i for i, action in enumerate(PRIORITY)}
    chosen: set[str] = set()
    used = 0
    for k in sorted(keys, key=lambda k: rank.get(k.action, len(PRIORITY))):
        if used + k.cells <= room:
            chosen.add(k.action)
            used += k.cells
    return [k for k in keys if k.action in chosen]


class KeysFooter(Widget, can_focus=False):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keys-footer--key", "keys-footer--description",
                                             "keys-footer--hover", "keys-footer--separator"}
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom; height: 1; width: 1fr;
        background: $footer-background; color: $footer-foreground;
    }
    KeysFooter > .keys-footer--key {
        color: $footer-key-foreground; background: $footer-key-background; text-style: bold;
    }
    KeysFooter > .keys-footer--description {
        color: $footer-description-foreground; background: $footer-description-background;
    }
    KeysFooter > .keys-footer--hover { background: $block-hover-background; }
    KeysFooter > .keys-footer--separator { color: $foreground 20%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, Key]] = []  # (x0, x1, key) as last drawn: what a click presses
        self._hover: str | None = None  # the action under the mouse

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()

    # -- what is shown --------------------------------------------------------------------------------
    def keys(self) -> tuple[list[Key], Key | None]:
        """The shown bindings, one per action in footer order, and the palette's (None if it has none)."""
        app = self.app
        palette_key = app.COMMAND_PALETTE_BINDING
        seen: dict[str, Key] = {}
        palette = None
        ascii = getattr(app, "ascii", False)  # --ascii, or a terminal without box characters or arrows
        for key, (_, binding, enabled, _tip) in self.screen.active_bindings.items():
            display = app.get_key_display(binding)
            if ascii:
                display = ASCII_KEYS.get(display, display)
            shown = Key(key, display, binding.description, binding.action, enabled)
            if key == palette_key and app.ENABLE_COMMAND_PALETTE:
                palette = shown
            elif binding.show and binding.action not in seen:
                seen[binding.action] = shown
        return list(seen.values()), palette

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y != 0 or width <= 0:
            return Strip.blank(width, base)
        keys, palette = self.keys()
        tail = f" {palette.display} {palette.description} " if palette else ""
        room = width - (cell_len(tail) + 1 if palette else 0)
        segments: list[Segment] = []
        spans: list[tuple[int, int, Key]] = []
        x = 0
        for k in fitting(keys, room):
            segments.extend(self._key(k, base))
            spans.append((x, x + k.cells, k))
            x += k.cells
        if palette:
            gap = width - x - cell_len(tail) - 1
            segments.append(Segment(" " * max(0, gap), base))
            bar = "|" if getattr(self.app, "ascii", False) else "▏"
            segments.append(Segment(bar, base + self.get_component_rich_style("keys-footer--separator")))
            start = x + max(0, gap) + 1
            segments.extend(self._key(palette, base))
            spans.append((start, start + palette.cells, palette))
        self._spans = spans
        return Strip(segments).crop_extend(0, width, base)

    def _key(self, k: Key, base: Style) -> list[Segment]:
        key_style = base + self.get_component_rich_style("keys-footer--key")
        desc_style = base + self.get_component_rich_style("keys-footer--description")
        if k.action == self._hover:
            hover = self.get_component_rich_style("keys-footer--hover")
            key_style, desc_style = key_style + hover, desc_style + hover
        if not k.enabled:
            key_style, desc_style = key_style + Style(dim=True), desc_style + Style(dim=True)
        return [Segment(f" {k.display} ", key_style), Segment(f"{k.description} ", desc_style)]

    # -- the mouse ------------------------------------------------------------------------------------
    def key_at(self, x: int) -> Key | None:
        return next((k for x0, x1, k in self._spans if x0 <= x < x1), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        k = self.key_at(event.x)
        action = k.action if k else None
        if action != self._hover:
            self._hover = action
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        k = self.key_at(event.x)
        if k is None:
            return
        if k.enabled:
            self.app.simulate_key(k.key)
        else:
            self.app.bell()
