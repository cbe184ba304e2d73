"""Python identifiers for the tool's names, deterministic and collision-free, the originals kept for printing.

A name that is already a plain ASCII identifier stays as it is. Any other (`y.1` at gate level, `λ`, `权重`)
becomes ASCII: `.` → `_`; accents dropped (NFKD: `é` → `e`, `x₁` → `x1`); a Greek letter → its name (`λ` →
`lamda`, as Unicode spells it); any other character → `u` and its code point (`权` → `u6743`). A result that is
taken (by a plain name anywhere in the program, an earlier result or the script's own names) gets `_2`, `_3`, …
in program order. ASCII, because Python folds identifiers by NFKC: `ﬁ` and `fi` would be one variable.
"""

from __future__ import annotations

import keyword
import unicodedata
from collections.abc import Iterable


def plain(name: str, reserved: Iterable[str] = ()) -> bool:
    return name.isascii() and name.isidentifier() and not keyword.iskeyword(name) and name not in reserved


def identifiers(names: list[str], reserved: frozenset[str]) -> dict[str, str]:
    """Each name → its identifier, in program order (the same program always gives the same identifiers)."""
    taken = set(reserved) | {n for n in names if plain(n, reserved)}
    out: dict[str, str] = {}
    for name in names:
        if plain(name, reserved):
            out[name] = name
            continue
        base = ascii_name(name)
        candidate, k = base, 2
        while candidate in taken or keyword.iskeyword(candidate):
            candidate, k = f"{base}_{k}", k + 1
        taken.add(candidate)
        out[name] = candidate
    return out


def _spelled(ch: str) -> str:
    """A Greek letter's name (`lamda`, `Omega`), else `u` and the code point."""
    word = unicodedata.name(ch, "")
    for prefix, capital in (("GREEK SMALL LETTER ", False), ("GREEK CAPITAL LETTER ", True)):
        rest = word.removeprefix(prefix)
        if rest != word and rest.isalpha():
            return rest.capitalize() if capital else rest.lower()
    return f"u{ord(ch):04x}"


def ascii_name(name: str) -> str:
    pieces: list[str] = []
    for ch in unicodedata.normalize("NFKD", name):
        if ch.isascii() and (ch.isalnum() or ch == "_"):
            pieces.append(ch)
        elif ch == ".":
            pieces.append("_")
        elif unicodedata.combining(ch):
            continue
        else:
            pieces.append(f"_{_spelled(ch)}_")
    text = "".join(pieces)
    while "__" in text:
        text = text.replace("__", "_")
    text = text.strip("_") or "v"
    return f"v_{text}" if text[0].isdigit() else text
