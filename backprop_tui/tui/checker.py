"""Talk to `python -m backprop_tui.check.serve`: torch lives in that process, never in the app's."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys

from backprop_tui.check.figures import apply_check
from backprop_tui.check.serve import figures_from_json
from backprop_tui.engine.trace import Trace

LINE_LIMIT = 1 << 28  # a 1,000-node program's figures are one long JSON line


class CheckFailed(Exception):
    pass


class SubprocessChecker:
    """One long-lived server process; requests are serialised, answers matched by id."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "backprop_tui.check.serve"]
        self.version: str | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._ids = itertools.count(1)

    async def _start(self) -> asyncio.subprocess.Process:
        if self._proc is None or self._proc.returncode is not None:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, limit=LINE_LIMIT)
            hello = await self._read(self._proc)
            self.version = hello.get("torch")
        return self._proc

    async def _read(self, proc: asyncio.subprocess.Process) -> dict:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if not line:
            err = b""
            if proc.stderr is not None:
                with contextlib.suppress(Exception):
                    err = await asyncio.wait_for(proc.stderr.read(), 2)
            last = err.decode(errors="replace").strip().splitlines()[-1:] or ["the checker exited"]
            raise CheckFailed(last[0])
        return json.loads(line)

    async def check(self, text: str, trace: Trace, atomic: bool = False) -> Trace:
        """torch's figures for the trace of `text` (`atomic`: of its gate level, as engine.atomize names it)."""
        async with self._lock:
            proc = await self._start()
            assert proc.stdin is not None
            rid = next(self._ids)
            request = {"id": rid, "text": text, "output": trace.output, "atomic": atomic}
            proc.stdin.write((json.dumps(request) + "\n").encode())
            await proc.stdin.drain()
            while True:
                reply = await self._read(proc)
                if reply.get("id") == rid:
                    break
        if not reply.get("ok"):
            raise CheckFailed(reply.get("error", "the checker failed"))
        return apply_check(trace, figures_from_json(reply["figures"]))

    async def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(Exception):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 2)
        except TimeoutError:
            proc.kill()
            await proc.wait()
