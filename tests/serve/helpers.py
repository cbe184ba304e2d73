"""A real `backprop-tui serve` in a child process, for the classroom's end-to-end tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from backprop_tui.check.protocol import ENV as REFEREE_ENV

ROOT = Path(__file__).resolve().parents[2]
STARTUP = 180.0  # seconds: the referee imports torch first (a few seconds; more on a loaded machine)


class Served:
    """`backprop-tui serve ARGS --port 0` until stop(): its URL, its output, and its child processes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if k != REFEREE_ENV}  # not the tests' in-process one
        environment.update(env or {})
        self.process = subprocess.Popen([sys.executable, "-m", "backprop_tui", "serve", "--port", "0", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                                        env=environment)
        self.lines: list[str] = []
        self.url = ""
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(STARTUP) or not self.url:
            self.stop()
            raise AssertionError("serve did not start:\n" + self.output)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            found = re.search(r"learners open (http://\S+/) in a browser", line)
            if found:
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()  # it exited before saying where it listens

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def port(self) -> int:
        return int(self.url.rstrip("/").rsplit(":", 1)[1])

    def children(self) -> list[int]:
        """The processes this server started (the referee, one app per tab), from /proc."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                if re.search(rf"^PPid:\s+{self.process.pid}$", status, re.M):
                    found.append(int(entry.name))
        return found

    def stop(self, timeout: float = 30.0) -> int:
        """Ctrl+C, as a teacher stops it; killed if it has not exited within `timeout` seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        time.sleep(0.2)  # the reader thread takes the last lines
        return self.process.returncode


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state
