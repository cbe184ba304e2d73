"""The print's own format, applied the way Python applies it, to numbers only: never eval, never str.format
on the user's template (whose fields could reach attributes).

Three forms, as tutorials write them: `'... {} {:.4f}'.format(a, b)`, `f'... {a} {b:.4f}'` and
`'... %d %.4f' % (a, b)`. A template is split here into literal text and fields; each field is one
validated format spec applied with `format(value, spec)` or `'%' spec % value` to an int, float or str.
Widths and precisions are capped, so a template cannot ask for a gigabyte of padding.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from backprop_tui import limits

MAX_WIDTH = limits.MODEL_FORMAT_WIDTH

# Python's format-spec mini-language: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC = re.compile(r"(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[+\- ])?z?#?0?(?P<width>\d+)?[,_]?"
                   r"(?:\.(?P<prec>\d+))?[bcdeEfFgGnosxX%]?", re.DOTALL)
# one %-conversion: %[(key)][flags][width][.precision][length]type
_PERCENT = re.compile(r"%(?P<key>\([^)]*\))?(?P<flags>[#0\- +]*)(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d+))?"
                      r"[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")


class FormatError(ValueError):
    """A template this tool does not format (the message says why); the reader turns it into a BadInput."""


@dataclass(frozen=True)
class Field:
    index: int  # which argument
    conversion: str | None  # "r", "s", "a" or None
    spec: str  # a validated format spec ("" for str())


@dataclass(frozen=True)
class PercentField:
    spec: str  # one %-conversion, such as "%.4f"


def check_spec(spec: str) -> str:
    """A format spec of the mini-language, with width and precision at most MAX_WIDTH."""
    if "{" in spec or "}" in spec:
        raise FormatError(f"nested fields in a format spec ({spec!r}) are not supported")
    m = _SPEC.fullmatch(spec)
    if m is None:
        raise FormatError(f"format spec {spec!r} is not understood")
    for part in ("width", "prec"):
        if m.group(part) and int(m.group(part)) > MAX_WIDTH:
            raise FormatError(f"format spec {spec!r}: widths and precisions above {MAX_WIDTH} are not supported "
                              + limits.named("MODEL_FORMAT_WIDTH"))
    return spec


def parse_braces(template: str, nargs: int) -> list[str | Field]:
    """A `.format` template -> literal text and fields; the numbering rules are Python's."""
    pieces: list[str | Field] = []
    auto: int | None = None  # next automatic index; None until a field decides
    manual = False
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:  # "Single '}' encountered in format string", ...
        raise FormatError(str(err)) from None
    for literal, name, spec, conversion in parsed:
        if literal:
            pieces.append(literal)
        if name is None:
            continue
        if name == "":
            if manual:
                raise FormatError("cannot switch from manual field specification to automatic field numbering")
            auto = 0 if auto is None else auto
            index, auto = auto, auto + 1
        elif name.isdigit():
            if auto is not None:
                raise FormatError("cannot switch from automatic field numbering to manual field specification")
            manual, index = True, int(name)
        else:
            raise FormatError(f"the field {{{name}}} is not supported: use {{}} or {{0}} with .format(...) "
                              "arguments (attributes, indexes and names are not read)")
        if index >= nargs:
            raise FormatError(f"Replacement index {index} out of range for positional args tuple")
        pieces.append(Field(index, conversion, check_spec(spec or "")))
    return pieces


def parse_percent(template: str, nargs: int) -> list[str | PercentField]:
    """A `%` template -> literal text and one conversion per value, as Python's % pairs them."""
    pieces: list[str | PercentField] = []
    pos = used = 0
    while True:
        at = template.find("%", pos)
        if at < 0:
            if template[pos:]:
                pieces.append(template[pos:])
            break
        if template[pos:at]:
            pieces.append(template[pos:at])
        m = _PERCENT.match(template, at)
        if m is None:
            bad = template[at + 1:at + 2]
            raise FormatError(f"unsupported format character {bad!r}" if bad else "incomplete format")
        pos = m.end()
        if m.group("conv") == "%":
            pieces.append("%")
            continue
        if m.group("key") or "*" in (m.group("width") or "") + (m.group("prec") or ""):
            raise FormatError(f"{m.group(0)!r}: mapping keys and `*` widths are not supported")
        for part in ("width", "prec"):
            if m.group(part) and int(m.group(part)) > MAX_WIDTH:
                raise FormatError(f"{m.group(0)!r}: widths and precisions above {MAX_WIDTH} are not supported "
                              + limits.named("MODEL_FORMAT_WIDTH"))
        pieces.append(PercentField(m.group(0)))
        used += 1
    if used > nargs:
        raise FormatError("not enough arguments for format string")
    if used < nargs:
        raise FormatError("not all arguments converted during string formatting")
    return pieces


def convert(value: object, conversion: str | None) -> object:
    if conversion == "r":
        return repr(value)
    if conversion == "s":
        return str(value)
    if conversion == "a":
        return ascii(value)
    return value


def apply_field(value: object, conversion: str | None, spec: str) -> str:
    """format(value, spec) for an int, float, bool or str (the only values a print here holds)."""
    _plain(value)
    return format(convert(value, conversion), spec)


def render_braces(pieces: list[str | Field], args: list[object]) -> str:
    return "".join(p if isinstance(p, str) else apply_field(args[p.index], p.conversion, p.spec) for p in pieces)


def render_percent(pieces: list[str | PercentField], args: list[object]) -> str:
    out: list[str] = []
    values = iter(args)
    for p in pieces:
        if isinstance(p, str):
            out.append(p)
        else:
            value = next(values)
            _plain(value)
            out.append(p.spec % (value,))
    return "".join(out)


def _plain(value: object) -> None:
    if not isinstance(value, int | float | str):  # bool is an int
        raise FormatError(f"cannot format a {type(value).__name__}")
