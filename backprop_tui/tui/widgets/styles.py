"""Component styles looked up once per theme: a mixin for the widgets that paint cell by cell (the circuit,
the neuron diagram, the variables table). `get_component_rich_style` walks the DOM; a frame of a large
drawing asks for the same few names thousands of times."""

from __future__ import annotations

from rich.style import Style


class CachedComponentStyles:
    """Put before the Textual base class: `class GraphView(CachedComponentStyles, ScrollView)`."""

    _styles: dict[str, Style]

    def _st(self, name: str) -> Style:
        """The component class `name`'s rich style, cached until the theme or the styles change."""
        cache = self.__dict__.setdefault("_styles", {})
        got = cache.get(name)
        if got is None:
            got = cache[name] = self.get_component_rich_style(name)  # type: ignore[attr-defined]
        return got

    def notify_style_update(self) -> None:
        self._styles = {}
        super().notify_style_update()  # type: ignore[misc]
