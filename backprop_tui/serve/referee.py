"""The classroom's one torch referee: a `check.server` listening on a Unix socket in a private folder.

One torch import is ~220 MB of memory and a few seconds of start-up; one app is a few tens of MB. So every
browser tab's app talks to this one process (check.client, through BACKPROP_TUI_REFEREE), which keeps a
session per connection and computes one request at a time. The socket lives in a folder only this user
can enter (mkdtemp: 0700), and is itself 0600: other users of the machine cannot reach it. If the referee
dies, `ensure_running` starts it again on the same socket, and each app's client reconnects on its next
request.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading

from backprop_tui.check.client import start_listening

log = logging.getLogger("backprop-tui.serve")


class SharedReferee:
    def __init__(self) -> None:
        self.folder: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.address = ""  # what the apps are given as BACKPROP_TUI_REFEREE
        self.restarts = 0
        self._lock = threading.Lock()

    def start(self) -> str:
        """Start the referee and wait for its hello (torch imported): the address to give the apps.
        RefereeError if it cannot start."""
        if hasattr(socket, "AF_UNIX"):
            self.folder = tempfile.mkdtemp(prefix="backprop-tui-classroom-")  # mode 0700
            wanted = f"unix:{os.path.join(self.folder, 'referee.sock')}"
        else:  # no Unix sockets (Windows): a loopback port, reachable by this machine's users only
            wanted = "tcp:127.0.0.1:0"
        self.process, self.address = start_listening(wanted)
        self._drain(self.process)
        return self.address

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def ensure_running(self) -> None:
        """Start the referee again, on the same address, if it has exited (called every few seconds)."""
        with self._lock:
            if self.process is None or self.process.poll() is None:
                return
            log.warning("the torch referee exited (status %s); starting it again", self.process.returncode)
            try:
                self.process, _ = start_listening(self.address)
            except Exception as err:  # said, and tried again at the next tick
                log.error("the torch referee did not start again: %s", err)
                return
            self.restarts += 1
            self._drain(self.process)
            log.warning("the torch referee is back (pid %d): tabs opened from now on are checked again; a tab "
                        "that was open checks again at its next change", self.process.pid)

    def stop(self) -> None:
        """Stop the referee (it removes its socket) and remove the private folder."""
        with self._lock:
            process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    @staticmethod
    def _drain(process: subprocess.Popen[bytes]) -> None:
        """Read the referee's stderr for as long as it runs: a full pipe would stop it mid-class."""

        def read() -> None:
            assert process.stderr is not None
            with contextlib.suppress(OSError, ValueError):
                for line in process.stderr:
                    text = line.decode(errors="replace").rstrip()
                    if text:
                        log.warning("referee: %s", text)

        threading.Thread(target=read, daemon=True, name="referee-stderr").start()
