"""The referee: one process holding torch, answering every front end's requests (check.kinds).

    python -m backprop_tui.check.server                      one client on stdin/stdout (a child process)
    python -m backprop_tui.check.server --listen unix:PATH   many clients on a Unix socket (mode 0600)
    python -m backprop_tui.check.server --listen tcp:127.0.0.1:PORT   many clients on a loopback port

The wire format is check.protocol's. On stdio it exits at the end of stdin. Listening, it first prints
its hello line with the address it listens on (a PORT of 0 picks a free one), serves each connection on
a thread of its own with a session of its own, and computes one request at a time (torch uses both
cores for one request; interleaving two would only slow both); it stops on SIGTERM or SIGINT and
removes its socket file. A front end finds it through the environment variable BACKPROP_TUI_REFEREE
(check.client).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import signal
import socketserver
import sys
import threading
from typing import IO, Any

from backprop_tui.check.kinds import Session, answer, load_handlers
from backprop_tui.check.protocol import PROTOCOL, Address, dumps, loads, parse_address

_COMPUTE = threading.Lock()  # one request at a time across every connection


def hello(kinds: list[str], listening: Address | None = None) -> dict[str, Any]:
    import torch

    message: dict[str, Any] = {"ready": True, "protocol": PROTOCOL, "torch": torch.__version__, "kinds": kinds,
                               "pid": os.getpid()}
    if listening is not None:
        message["listening"] = str(listening)
    return message


def serve_stream(reader: IO[bytes], writer: IO[bytes], greeting: dict[str, Any]) -> None:
    """Answer the requests of one connection, in order, until it closes."""
    session = Session()
    writer.write(dumps(greeting))
    writer.flush()
    for line in reader:
        if not line.strip():
            continue
        try:
            request = loads(line)
        except ValueError as err:
            reply: dict[str, Any] = {"id": None, "ok": False, "error": f"bad request: {err}"}
        else:
            with _COMPUTE:
                gc.disable()  # ~10 objects per statement, no cycles worth finding mid-request
                try:
                    reply = answer(request, session)
                finally:
                    gc.enable()
        writer.write(dumps(reply))
        writer.flush()


class _Connection(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        with contextlib.suppress(ConnectionError, BrokenPipeError):
            serve_stream(self.rfile, self.wfile, self.server.greeting)  # type: ignore[attr-defined]


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def listen(address: Address, kinds: list[str]) -> int:
    if address.scheme == "unix":
        with contextlib.suppress(FileNotFoundError):
            os.unlink(address.path)
        old = os.umask(0o177)  # the socket is the user's alone
        try:
            server: socketserver.BaseServer = _UnixServer(address.path, _Connection)
        finally:
            os.umask(old)
        bound = address
    elif address.scheme == "tcp":
        if ":" in address.host:
            _TCPServer.address_family = __import__("socket").AF_INET6
        server = _TCPServer((address.host, address.port), _Connection)
        bound = Address("tcp", host=address.host, port=server.server_address[1])  # type: ignore[index]
    else:
        raise SystemExit(f"cannot listen on {address}")
    server.greeting = hello(kinds, bound)  # type: ignore[attr-defined]

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write(dumps(server.greeting).decode())  # type: ignore[attr-defined]
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if address.scheme == "unix":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(address.path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backprop_tui.check.server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", metavar="ADDRESS", help="unix:PATH or tcp:127.0.0.1:PORT (default: stdio)")
    args = parser.parse_args(argv)
    address = None
    if args.listen:
        try:
            address = parse_address(args.listen)
        except ValueError as err:
            parser.error(str(err))
    kinds = load_handlers()  # imports torch
    gc.freeze()  # torch's own objects are for life: keep collections from walking them again and again
    if address is not None:
        return listen(address, kinds)
    serve_stream(sys.stdin.buffer, sys.stdout.buffer, hello(kinds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
