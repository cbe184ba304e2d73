"""`backprop-tui serve [FILE] [--host 127.0.0.1 [--public]] [--port N] [--max-sessions K] [--files DIR|--no-files]`

A classroom in the browser: every tab that opens the address gets its own app (a process of its own),
and every app shares one torch referee. Bad arguments are exit status 2 with a message, before anything
starts; Ctrl+C (or SIGTERM) stops the server, every learner's app and the referee.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import sys
from pathlib import Path

from backprop_tui.errors import BadInput
from backprop_tui.host_files import Access

DEFAULT_PORT = 8000
DEFAULT_SEATS = 30  # a class; each seat is one app process (see the README's memory figures)
MAX_SEATS = 1000  # beyond this a typo, not a classroom: 1,000 apps are ~60 GB


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the app to web browsers: a classroom, one app per tab, one referee",
                       description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", help="a program or network spec every tab opens (default: the post's chain)")
    p.add_argument("--host", default="127.0.0.1",
                   help="the interface to listen on (default 127.0.0.1: this computer only; another needs --public)")
    p.add_argument("--public", action="store_true",
                   help="allow a --host that other computers reach, such as 0.0.0.0 (every interface)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0 picks a free one")
    p.add_argument("--max-sessions", type=_seats, default=DEFAULT_SEATS, metavar="K",
                   help=f"browser tabs served at once (default {DEFAULT_SEATS}); the next gets a 'full' page")
    files = p.add_mutually_exclusive_group()
    files.add_argument("--files", metavar="DIR",
                       help="open (o) and save (s) only files inside DIR, a folder every tab shares")
    files.add_argument("--no-files", action="store_true", help="no host files at all: open and save are off "
                       "(the default)")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0–65535, got {value}")
    return value


def _seats(text: str) -> int:
    from backprop_tui.cli import _positive

    value = _positive(text)
    if value > MAX_SEATS:
        raise argparse.ArgumentTypeError(f"at most {MAX_SEATS:,} (each seat is an app process), got {value:,}")
    return value


def is_loopback(host: str) -> bool:
    """Only this computer can connect to `host` (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, public: bool) -> None:
    if not is_loopback(host) and not public:
        raise BadInput(f"--host {host}: that serves the app to other computers (anyone who can reach this one "
                       "opens it, and uses its torch); say so with --public, or keep the default 127.0.0.1")


def files_access(files: str | None) -> Access:
    """--files DIR as the apps' file access (host_files); None: no host files."""
    if files is None:
        return Access(None)
    folder = os.path.realpath(files)
    if not os.path.isdir(folder):
        raise BadInput(f"--files {files}: no such folder" if not os.path.exists(folder)
                       else f"--files {files}: not a folder")
    return Access(Path(folder))


def check_data_inside(path: str, text: bytes, access: Access) -> None:
    """A served spec's CSV must lie inside the files folder (the apps read it under that rule): said now."""
    from backprop_tui.host_files import ENV
    from backprop_tui.lang.load import decode, is_network_spec

    source = decode(text)
    if not is_network_spec(path, source) or "csv" not in source:
        return
    from backprop_tui.network.spec import parse_spec

    before = os.environ.get(ENV)
    os.environ[ENV] = access.setting  # the apps' rule, applied here first
    try:
        parse_spec(source, Path(path).parent)
    except BadInput as err:
        if "class folder" not in str(err):
            raise
        raise BadInput(f"{err}; with --files, the data a served spec reads must lie inside {access.folder}") from None
    finally:
        if before is None:
            del os.environ[ENV]
        else:
            os.environ[ENV] = before


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now: a port in use is a message before torch starts loading."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family, backlog=128)
    except OSError as err:
        why = "it is in use (another server?); pick another with --port" if err.errno in (98, 48, 10048) \
            else (err.strerror or str(err))
        raise BadInput(f"cannot listen on {host} port {port}: {why}") from None


def serve_command(args: argparse.Namespace) -> int:
    from backprop_tui.check.protocol import ENV as REFEREE_ENV
    from backprop_tui.check.protocol import RefereeError
    from backprop_tui.host_files import ENV as FILES_ENV

    check_host(args.host, args.public)
    access = files_access(args.files)
    path = None
    if args.file is not None:
        if args.file == "-":
            raise BadInput("serve opens a file in every tab: give its name (standard input can be read only once)")
        from backprop_tui.cli import read_source

        text = read_source(args.file)  # a bad file is said now, not in every tab
        path = os.path.abspath(args.file)
        if access.folder is not None:
            check_data_inside(path, text, access)
    sock = bind(args.host, args.port)
    from backprop_tui.serve.classroom import Classroom
    from backprop_tui.serve.referee import SharedReferee

    referee = SharedReferee()
    _stop_cleanly_on(signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else []))
    try:
        print("backprop-tui serve: starting the torch referee (one for every tab)…", flush=True)
        try:
            address = referee.start()
        except RefereeError as err:
            raise BadInput(str(err)) from None
        environment = {REFEREE_ENV: address, FILES_ENV: access.setting,
                       "TERM": "xterm-256color", "PYTHONIOENCODING": "utf-8"}  # xterm.js draws every box
        argv = [sys.executable, "-m", "backprop_tui.serve.session", *([path] if path else [])]
        port = sock.getsockname()[1]
        server = Classroom(argv, host=args.host, port=port, seats=args.max_sessions, environment=environment,
                           loopback_only=is_loopback(args.host),
                           banner=banner(args.host, port, args.max_sessions, access, referee.pid, path))
        server.on_tick = referee.ensure_running
        server.run(sock)
    finally:
        sock.close()
        referee.stop()
    print("backprop-tui serve: stopped (every tab's app and the referee)", flush=True)
    return 0


def _stop_cleanly_on(*signals: int) -> None:
    """Until the server runs (it handles them itself then), these signals stop the command through its
    `finally`, which stops the referee: their default would leave it running, orphaned."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for number in signals:
        signal.signal(number, interrupt)


def banner(host: str, port: int, seats: int, access: Access, referee_pid: int | None, path: str | None) -> list[str]:
    where = host if is_loopback(host) else (socket.gethostname() if host in ("0.0.0.0", "::") else host)
    url = f"http://{'[' + where + ']' if ':' in where else where}:{port}/"
    lines = [f"backprop-tui classroom: learners open {url} in a browser (each tab runs its own app)"]
    if host in ("0.0.0.0", "::"):
        lines.append(f"  listening on every interface: any computer that reaches this one on port {port} can join")
    lines += [
        f"  opens: {path or 'the blog post’s chain'} in every tab",
        f"  seats: {seats} at once (the next tab gets a 'full' page; a closed tab frees its seat)",
        "  files: open and save are off (--files DIR allows one folder)" if access.folder is None
        else f"  files: open and save only inside {access.folder} (one folder, shared by every tab)",
        f"  torch: one referee for every tab (pid {referee_pid})",
        "  stop: Ctrl+C (every learner's app stops with the server)",
    ]
    return lines
