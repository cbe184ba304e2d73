"""Read program text (or bytes) and pick the dialect: the chain language or the post's torch snippet."""

from __future__ import annotations

import re

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.chain import parse_chain
from backprop_tui.lang.program import Program

# Every pattern here runs once over the whole input, so each is linear: `^[ \t]*`, never `^\s*` with
# MULTILINE (\s crosses newlines, so on a run of n blank lines it rescans the rest of the run at each of
# them: n² steps; 100,000 blank lines never finished).
_COMMENT = re.compile(r"#[^\n]*")
_TORCH_DIALECT = re.compile(r"^[ \t]*(?:import[ \t]+torch\b|from[ \t]+torch\b)|\btorch[ \t]*\.", re.MULTILINE)


def decode(data: bytes) -> str:
    """UTF-8 or a message naming the line of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise BadInput(f"the file is not UTF-8 text (byte 0x{data[err.start]:02x})", line, col) from None
    return text.removeprefix("\ufeff")


_NETWORK_TABLE = re.compile(r"^[ \t]*\[[ \t]*network[ \t]*\]", re.MULTILINE)


def normalise_newlines(text: str) -> str:
    """Windows (CR LF) and old Mac (CR alone) line endings read as LF, so lines and columns count right."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_network_spec(path: str | None, text: str | None = None) -> bool:
    """A `.toml` file, or text with a `[network]` table (standard input has no file name), is a network spec."""
    if path is not None and path.lower().endswith(".toml"):
        return True
    return text is not None and _NETWORK_TABLE.search(text) is not None


def is_torch_snippet(text: str) -> bool:
    code = _COMMENT.sub("", text)  # a chain program's comment that mentions torch.autograd stays a chain program
    return _TORCH_DIALECT.search(code) is not None


def parse_program(source: str | bytes, output: str | None = None) -> Program:
    """Parse a chain program or a torch snippet; raises BadInput naming line and column."""
    text = decode(source) if isinstance(source, bytes) else source
    limits.check("PROGRAM_BYTES", len(text), "the program", "split it, or trace a smaller part")
    text = normalise_newlines(text.removeprefix("\ufeff"))
    if "\x00" in text:
        raise BadInput("the program contains a NUL byte: is it a binary file?")
    if is_torch_snippet(text):
        from backprop_tui.lang.snippet import parse_snippet

        return parse_snippet(text, output)
    return parse_chain(text, output)
