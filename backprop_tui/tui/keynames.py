"""Textual's key names, for checking `--press` before the app starts (an unknown name was silently ignored)."""

from __future__ import annotations

import difflib
from functools import cache

from backprop_tui.errors import BadInput

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")


@cache
def _named_keys() -> frozenset[str]:
    from textual.keys import KEY_TO_UNICODE_NAME, Keys

    names = {k.value.split("+")[-1] for k in Keys if not k.value.startswith("<")}
    return frozenset(names | set(KEY_TO_UNICODE_NAME) | {"slash", "backslash", "at", "minus", "plus", "underscore"})


def is_key_name(name: str) -> bool:
    """A Textual key name: a character, a named key (pagedown, f1, question_mark…), with modifiers
    (ctrl+p, shift+tab), or the pilot's `wait:MS`."""
    from textual.keys import key_to_character

    if name.startswith("wait:"):
        try:
            return 0 <= float(name[5:]) <= 60_000
        except ValueError:
            return False
    *mods, base = name.split("+") if len(name) > 1 else [name]
    if any(m not in MODIFIERS for m in mods) or not base:
        return False
    if len(base) == 1:
        return base.isprintable()
    return base in _named_keys() or key_to_character(base) is not None


def check_keys(keys: list[str]) -> None:
    """BadInput naming the first key that is not a Textual key name, with the nearest names."""
    for key in keys:
        if not is_key_name(key):
            near = difflib.get_close_matches(key.split("+")[-1], sorted(_named_keys()), n=3)
            hint = f"; did you mean {' or '.join(near)}?" if near else ""
            raise BadInput(f"--press: {key!r} is not a key name (Textual's names: n, right, pagedown, ctrl+p, "
                           f"question_mark, …){hint}")
