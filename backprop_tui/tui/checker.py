"""The app's torch checks: requests to the one referee (check.client), torch never in the app's process."""

from __future__ import annotations

import asyncio

from backprop_tui.check.client import Referee, shared
from backprop_tui.check.protocol import RefereeError
from backprop_tui.engine.trace import Trace


class CheckFailed(Exception):
    pass


class SubprocessChecker:
    """Checks a trace on the process's shared referee (a child process, or the one BACKPROP_TUI_REFEREE
    names); awaiting never blocks the event loop. `check(text, trace)` is the screens' call."""

    def __init__(self, referee: Referee | None = None) -> None:
        self._referee = referee

    @property
    def referee(self) -> Referee:
        if self._referee is None:
            self._referee = shared()
        return self._referee

    @property
    def version(self) -> str | None:
        return self.referee.version

    async def check(self, text: str, trace: Trace, atomic: bool = False) -> Trace:
        """torch's figures for the trace's program, the trace returned with every step's verdict. The program
        travels parsed, as the trace holds it: at gate level (`atomic`, as engine.atomize names the gates)
        that is already the atomized program, so torch checks every gate. `text` is its source, kept for
        callers."""
        from backprop_tui.check.pipeline import ChainCheck

        try:
            pending = ChainCheck(self.referee, trace.program, fd=True)
            return await asyncio.to_thread(pending.finish, trace)
        except RefereeError as err:
            raise CheckFailed(str(err)) from None

    async def close(self) -> None:
        """The app is ending: so does its referee connection (a child referee exits with it)."""
        if self._referee is not None:
            await asyncio.to_thread(self._referee.close)
