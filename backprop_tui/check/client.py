"""The one client of the referee (check.server), for every front end: the CLI, the app, the network screen.

    referee = Referee()                      # BACKPROP_TUI_REFEREE names a shared one, else a child process
    pending = referee.submit("chain", program=wire.encode(program), fd=False)   # returns at once
    ...                                      # the caller's own work, while torch loads and computes
    reply = pending.result()                 # the answer's fields; RefereeError if it failed
    reply = referee.request("ping")          # submit and wait
    await asyncio.wrap_future(referee.submit(...))   # from an event loop, without blocking it

Thread-safe: any thread may submit; replies are matched to requests by id on a reader thread, so
requests from several threads are pipelined on one connection. `shared()` is the process's one client
(the app's chain and network screens share one referee, so one torch). A referee that exits is
started again on the next request; `generation` counts connections, so state kept on the referee's
side (a network spec) can be sent again.

Where the client finds its referee:
- `address=` or the environment variable BACKPROP_TUI_REFEREE (check.protocol: unix:PATH,
  tcp:127.0.0.1:PORT): connect to a running shared referee (the classroom's one referee for many app
  processes). If nothing answers there, requests fail with a RefereeError naming the address.
- otherwise: start `python -m backprop_tui.check.server` as a child, spoken to over its stdin/stdout.
This module never imports torch (except for the `inprocess:` address, which tests use).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import itertools
import os
import socket
import subprocess
import sys
import threading
from concurrent.futures import Future
from queue import SimpleQueue
from typing import IO, Any

from backprop_tui.check.protocol import ENV, Address, RefereeError, dumps, loads, parse_address

SERVER = [sys.executable, "-m", "backprop_tui.check.server"]


class Referee:
    def __init__(self, address: str | None = None, command: list[str] | None = None) -> None:
        text = address if address is not None else os.environ.get(ENV, "").strip() or None
        try:
            self.address: Address | None = parse_address(text) if text else None
        except ValueError as err:
            raise RefereeError(f"{ENV}: {err}") from None
        self.command = command or SERVER
        self.version: str | None = None  # torch's, from the referee's hello
        self.pid: int | None = None
        self.generation = 0  # connections made so far
        self._lock = threading.RLock()  # the connection's state
        self._queue: SimpleQueue | None = None  # requests for the connection's writer thread
        self._hello: dict[str, Any] = {}
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._ready = threading.Event()
        self._writer: IO[bytes] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._inprocess: Any = None

    # -- connecting ---------------------------------------------------------------------------------
    def start(self) -> Referee:
        """Connect (or start the child) now, without waiting for it: torch loads while the caller works."""
        with self._lock:
            if self._alive():
                return self
            self._ready.clear()
            self.generation += 1
            where = self.address
            if where is not None and where.scheme == "inprocess":
                self._start_inprocess()
                return self
            if where is None:
                self._proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE)
                reader, self._writer = self._proc.stdout, self._proc.stdin
                threading.Thread(target=self._drain_stderr, args=(self._proc,), daemon=True).start()
            else:
                self._sock = self._connect(where)
                reader, self._writer = self._sock.makefile("rb"), self._sock.makefile("wb")
            threading.Thread(target=self._read, args=(reader, self.generation), daemon=True,
                             name="referee-reader").start()
            if self._queue is not None:
                self._queue.put(None)
            self._queue = SimpleQueue()
            threading.Thread(target=self._write, args=(self._writer, self._queue), daemon=True,
                             name="referee-writer").start()
        return self

    def _connect(self, where: Address) -> socket.socket:
        try:
            if where.scheme == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(where.path)
            else:
                sock = socket.create_connection((where.host, where.port), timeout=10)
                sock.settimeout(None)
        except OSError as err:
            raise RefereeError(f"no torch referee at {where} ({ENV}): {err.strerror or err}") from None
        return sock

    def _start_inprocess(self) -> None:
        from backprop_tui.check.kinds import Session, answer, load_handlers

        kinds = load_handlers()
        import torch

        self._inprocess = (Session(), answer)
        self.version, self.pid = torch.__version__, os.getpid()
        self._hello = {"ready": True, "torch": torch.__version__, "kinds": kinds, "pid": os.getpid()}
        self._ready.set()

    def _alive(self) -> bool:
        if self._inprocess is not None:
            return True
        if self._proc is not None:
            return self._proc.poll() is None and self._writer is not None
        return self._sock is not None

    # -- requests -----------------------------------------------------------------------------------
    def submit(self, kind: str, **fields: Any) -> Future[dict[str, Any]]:
        """Send one request now; the future gives the answer's fields or raises RefereeError."""
        future: Future[dict[str, Any]] = Future()
        rid = next(self._ids)  # itertools.count: atomic under the GIL
        line = dumps({"id": rid, "kind": kind, **fields})  # encoded before any lock: it may be megabytes
        with self._lock:
            self.start()
            inprocess, queue = self._inprocess, self._queue
            if inprocess is None:
                self._pending[rid] = future
        if inprocess is not None:
            session, answer = inprocess
            self._resolve(future, answer({"id": rid, "kind": kind, **fields}, session))
            return future
        # written by the connection's writer thread, in order: a child referee reads nothing until torch
        # has loaded, and a request of a megabyte would otherwise hold the caller until then (the caller
        # has work to do); the reader thread meanwhile stays free to take replies off the pipe
        assert queue is not None
        queue.put((line, rid, future))
        return future

    def _write(self, writer: IO[bytes], queue: SimpleQueue) -> None:
        while True:
            item = queue.get()
            if item is None:
                return
            line, rid, future = item
            try:
                writer.write(line)
                writer.flush()
            except (OSError, ValueError):
                with self._lock:
                    self._pending.pop(rid, None)
                if not future.done():
                    future.set_exception(RefereeError(self._why_gone()))

    def request(self, kind: str, timeout: float | None = None, **fields: Any) -> dict[str, Any]:
        return self.submit(kind, **fields).result(timeout)

    def hello(self, timeout: float | None = None) -> dict[str, Any]:
        """The referee's hello (torch's version, its kinds, its pid); waits for it."""
        self.start()
        if not self._ready.wait(timeout):
            raise RefereeError("the torch referee did not answer in time")
        return self._hello

    @staticmethod
    def _resolve(future: Future[dict[str, Any]], reply: dict[str, Any]) -> None:
        if future.done():
            return
        if reply.get("ok"):
            future.set_result(reply)
        else:
            future.set_exception(RefereeError(str(reply.get("error", "the torch referee failed"))))

    def _read(self, reader: IO[bytes], generation: int) -> None:
        try:
            for line in reader:
                if not line.strip():
                    continue
                message = loads(line)
                if message.get("ready"):
                    self._hello = message
                    self.version, self.pid = message.get("torch"), message.get("pid")
                    self._ready.set()
                    continue
                with self._lock:
                    future = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
                if future is not None:
                    self._resolve(future, message)
        except (OSError, ValueError):
            pass
        with self._lock:
            if generation != self.generation:
                return
            failed, self._pending = self._pending, {}
            self._writer = None
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.close()
                self._sock = None
        why = self._why_gone()
        for future in failed.values():
            if not future.done():  # the writer thread may have failed it first
                future.set_exception(RefereeError(why))

    def _why_gone(self) -> str:
        if self.address is not None:
            return f"the torch referee at {self.address} closed the connection"
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(2)
        last = [line for line in self._stderr if line.strip()][-1:] or ["the torch referee exited"]
        return last[0].strip()

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self._stderr.append(line.decode(errors="replace"))

    # -- closing ------------------------------------------------------------------------------------
    def close(self, wait: bool = True) -> None:
        """End the connection; a child referee exits at the end of its stdin (waited for up to 2 s, then
        killed; `wait=False`: left to exit on its own, as a one-shot command does)."""
        with self._lock:
            writer, self._writer = self._writer, None
            if self._queue is not None:
                self._queue.put(None)  # the writer thread ends after what is queued
                self._queue = None
            proc, self._proc = self._proc, None
            sock, self._sock = self._sock, None
            self._inprocess = None
            self.generation += 1  # the reader's end of stream is no failure now
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(RefereeError("the client closed the connection"))
        if writer is not None:
            with contextlib.suppress(OSError, ValueError):
                writer.close()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        if proc is not None and wait:
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def kill(self) -> None:
        """Stop a child referee at once (a cancelled command); a shared one is only disconnected."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        self.close()


_SHARED: Referee | None = None
_SHARED_LOCK = threading.Lock()


def shared() -> Referee:
    """The process's one client: every screen of an app talks to one referee."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Referee()
            atexit.register(_SHARED.close)
        return _SHARED


def shared_if_any() -> Referee | None:
    """The process's shared client if one was made (closing a screen must not close it)."""
    return _SHARED


def start_listening(address: str, timeout: float = 120.0) -> tuple[subprocess.Popen[bytes], str]:
    """Start a shared referee listening on `address` (unix:PATH or tcp:127.0.0.1:PORT, PORT 0 for any free
    one) and wait for its hello: the process, and the address to give clients (BACKPROP_TUI_REFEREE).
    The caller stops it with terminate(); it removes its socket file."""
    parse_address(address)  # ValueError naming what is wrong, before a process is started
    proc = subprocess.Popen([*SERVER, "--listen", address], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    ready = threading.Event()
    hello: dict[str, Any] = {}

    def read() -> None:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        with contextlib.suppress(ValueError):
            hello.update(loads(line))
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        started = ready.wait(timeout)
    except BaseException:  # interrupted (Ctrl+C, a signal turned into an exception): no orphan referee
        proc.kill()
        raise
    if not started or "listening" not in hello:
        proc.kill()
        err = proc.stderr.read().decode(errors="replace").strip().splitlines()[-1:] if proc.stderr else []
        raise RefereeError(f"the shared referee did not start on {address}: {(err or ['no answer'])[0]}")
    return proc, str(hello["listening"])


_PRESTARTED: Referee | None = None


def prestart() -> None:
    """Start the command's referee now, before the command has read its input: torch's import is the
    longest thing a headless `trace` waits for. `take()` hands it over; `discard()` stops it unused."""
    global _PRESTARTED
    if _PRESTARTED is None:
        with contextlib.suppress(RefereeError):  # a bad address is reported where the referee is used
            _PRESTARTED = Referee().start()


def take() -> Referee:
    """The prestarted referee (or a new one)."""
    global _PRESTARTED
    referee, _PRESTARTED = _PRESTARTED, None
    return referee if referee is not None else Referee()


def discard() -> None:
    global _PRESTARTED
    referee, _PRESTARTED = _PRESTARTED, None
    if referee is not None:
        referee.kill()
