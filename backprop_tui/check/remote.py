"""The torch referee for a one-shot command: one request to the server of `check.serve`.

`import torch` takes about a second and holds the GIL; in a child process it runs on the other core
while this one parses, derives and writes. Plain JSON both ways, nothing executed.
"""

from __future__ import annotations

import json
import subprocess
import sys

from backprop_tui.check.figures import Figures
from backprop_tui.check.serve import figures_from_json
from backprop_tui.errors import BadInput
from backprop_tui.lang.program import Program
from backprop_tui.lang.wire import encode


class Referee:
    """A server started at once (torch loads meanwhile); `send` the program, then `figures()` waits."""

    def __init__(self, source: str, output: str | None, atomic: bool = False) -> None:
        self._request: dict = {"id": 1, "text": source, "output": output, "atomic": atomic, "fd": False}
        self._sent = False
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "backprop_tui.check.serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def send(self, program: Program | None = None) -> None:
        """The request; a parsed chain program travels parsed, so the server need not parse it again.
        (The finite differences are this process's work: they run while torch loads over there.)"""
        if self._sent:
            return
        request = dict(self._request)
        if program is not None and program.dialect == "chain":
            request = {"id": 1, "program": encode(program), "fd": False}
        assert self._proc.stdin is not None
        self._proc.stdin.write((json.dumps(request) + "\n").encode())
        self._proc.stdin.close()
        self._sent = True

    def figures(self) -> Figures:
        self.send()
        assert self._proc.stdout is not None and self._proc.stderr is not None
        lines = self._proc.stdout.read().splitlines()
        err = self._proc.stderr.read()
        self._proc.wait()
        replies = [json.loads(line) for line in lines if line.strip()]
        reply = next((r for r in replies if r.get("id") == 1), None)
        if reply is None:
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no answer"]
            raise BadInput(f"the torch referee failed: {tail[0]}")
        if not reply.get("ok"):
            raise BadInput(f"the torch referee failed: {reply.get('error')}")
        return figures_from_json(reply["figures"])

    def cancel(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
