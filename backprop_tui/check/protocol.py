"""The referee's wire format: one JSON object per line, both ways, over a pipe or a socket.

A client sends requests and reads replies; the referee (check.server) answers them in order per
connection:

    referee → client, once, on connect:
        {"ready": true, "protocol": 1, "torch": "2.13.0", "kinds": ["chain", ...], "pid": 123}
    client → referee:
        {"id": 7, "kind": "chain", ...the kind's fields}
    referee → client:
        {"id": 7, "ok": true, ...the kind's answer}   or   {"id": 7, "ok": false, "error": "..."}

Floats travel as JSON numbers, which read back bit for bit; inf and nan as the tokens Infinity and NaN
(Python's json reads and writes them; both ends are this package). Nothing received is ever executed:
programs travel parsed (lang.wire), specs and parameters as plain lists.

Addresses (the environment variable BACKPROP_TUI_REFEREE, or a client's `address=`):
    unix:/path/to/referee.sock     a referee listening on a Unix socket (`--listen unix:PATH`)
    tcp:127.0.0.1:8765             one listening on a loopback TCP port
    inprocess:                     no process at all: the kinds run in the caller's process (tests)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PROTOCOL = 1
ENV = "BACKPROP_TUI_REFEREE"


class RefereeError(Exception):
    """The referee could not answer: it failed to start, it exited, or a request failed there."""


def dumps(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, separators=(",", ":")) + "\n").encode()


def loads(line: bytes | str) -> dict[str, Any]:
    got = json.loads(line)
    if not isinstance(got, dict):
        raise ValueError("a message is a JSON object")
    return got


@dataclass(frozen=True)
class Address:
    """Where a shared referee listens."""

    scheme: str  # "unix" | "tcp" | "inprocess"
    path: str = ""
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        if self.scheme == "unix":
            return f"unix:{self.path}"
        if self.scheme == "tcp":
            return f"tcp:{self.host}:{self.port}"
        return "inprocess:"


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def parse_address(text: str) -> Address:
    """`unix:PATH`, `tcp:HOST:PORT` (loopback hosts only: a referee is not a network service) or
    `inprocess:`. Raises ValueError naming what is wrong."""
    scheme, sep, rest = text.strip().partition(":")
    if not sep:
        raise ValueError(f"{text!r}: give unix:PATH, tcp:127.0.0.1:PORT or inprocess:")
    if scheme == "unix":
        if not rest:
            raise ValueError(f"{text!r}: unix: needs the socket's path")
        return Address("unix", path=rest)
    if scheme == "tcp":
        host, _, port = rest.rpartition(":")
        host = host.strip("[]")
        if host not in LOOPBACK:
            raise ValueError(f"{text!r}: the referee listens on loopback only (127.0.0.1, localhost or ::1)")
        try:
            number = int(port)
        except ValueError:
            raise ValueError(f"{text!r}: the port must be a number") from None
        if not 0 <= number <= 65535:
            raise ValueError(f"{text!r}: the port must be 0-65535")
        return Address("tcp", host=host, port=number)
    if scheme == "inprocess":
        return Address("inprocess")
    raise ValueError(f"{text!r}: unknown scheme {scheme!r}; give unix:PATH, tcp:127.0.0.1:PORT or inprocess:")
