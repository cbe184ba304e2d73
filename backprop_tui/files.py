"""Reading a user's file without trusting it: regular files only, never blocking, never past a size cap.

`/dev/zero` would read until memory runs out, a FIFO would block forever, `/dev/urandom` is endless:
every loader (programs, specs, CSV data, the app's `o`) reads through `read_bytes`, which opens the path
without blocking, refuses anything that is not a regular file, and reads at most the cap plus one byte.
"""

from __future__ import annotations

import errno
import os
import stat
import sys

from backprop_tui import limits
from backprop_tui.errors import BadInput


def read_bytes(path: str | os.PathLike[str], limit: str, what: str = "file") -> bytes:
    """The bytes of a regular file, or of standard input for "-"; BadInput on anything else.

    `limit` names the size cap in backprop_tui.limits (e.g. "PROGRAM_BYTES"); `what` names the file in
    messages ("program", "spec", "CSV file"). Errors: no such file, a directory, a device, FIFO or
    socket, unreadable, a NUL character in the name, or larger than the cap.
    """
    cap: int = getattr(limits, limit)
    shown = os.fspath(path)
    if shown == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream standing in for stdin (an embedding program, a test)
            data = sys.stdin.read(cap + 1).encode("utf-8")
            if len(data) > cap:
                raise limits.over(limit, None, f"the {what} on standard input")
            return data
        return _capped(stream, cap, limit, f"the {what} on standard input")
    if "\x00" in shown:
        raise BadInput(f"{printable_name(shown)}: a file name cannot contain a NUL character")
    try:
        fd = os.open(shown, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise BadInput(f"{printable_name(shown)}: no such file") from None
    except OSError as err:
        raise BadInput(f"{printable_name(shown)}: cannot open it ({_reason(err)})") from None
    except ValueError as err:  # the OS refuses the name (embedded NUL, surrogates)
        raise BadInput(f"{printable_name(shown)}: not a usable file name ({err})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise BadInput(f"{printable_name(shown)}: is a directory, not a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise BadInput(f"{printable_name(shown)}: is not a regular file (a device, pipe or socket); "
                           f"a {what} must be a file")
        if info.st_size > cap:
            raise limits.over(limit, info.st_size, f"{printable_name(shown)}: the {what}")
        with os.fdopen(fd, "rb", closefd=True) as f:
            fd = -1
            return _capped(f, cap, limit, f"{printable_name(shown)}: the {what}")
    except OSError as err:
        raise BadInput(f"{printable_name(shown)}: cannot read it ({_reason(err)})") from None
    finally:
        if fd >= 0:
            os.close(fd)


def _capped(stream, cap: int, limit: str, what: str) -> bytes:
    data = stream.read(cap + 1)
    if data is None:  # a non-blocking stream with nothing yet
        return b""
    if len(data) > cap:
        raise limits.over(limit, None, what)
    return data


def _reason(err: OSError) -> str:
    if err.errno == errno.EACCES:
        return "permission denied"
    return err.strerror or type(err).__name__


def printable_name(name: str, width: int = 200) -> str:
    """A file name as it can be shown: control characters as `?`, and at most `width` characters."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in name[: width + 1])
    return shown if len(shown) <= width else shown[:width] + "…"


def cannot_open(path: str, err: BadInput) -> str:
    """`cannot open NAME: what`, naming the file once (the readers' messages start with it)."""
    name = printable_name(path)
    text = str(err)
    return f"cannot open {text}" if text.startswith(name) else f"cannot open {name}: {text}"
