"""Building a large program off the event loop (a mixin of BackpropApp), so the app paints and answers
ctrl+q while it parses, derives and lays out (a 20,000-statement program takes seconds).

Small programs build at once, as before (tests and typing stay synchronous). A large one builds in a
daemon thread: a plain thread, not Textual's thread worker, whose executor would keep the process alive
until the build finished after the user quit. Only the newest request's result is installed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from backprop_tui.errors import BadInput

if TYPE_CHECKING:
    from backprop_tui.tui.app import BackpropApp

    Base = BackpropApp
else:
    Base = object

# programs of more characters than this build in the background (~1,000 statements: ~0.3 s to build)
BACKGROUND_CHARS = 30_000


def build_parts(text: str, for_level: Callable[[object], object]):
    """(program, trace at the graph's level) of a program text, or raises BadInput: the pure part of a
    rebuild, safe in a thread (the circuit's layout then runs in its own thread: graph_actions.lay_out)."""
    from backprop_tui.engine.trace import build_trace
    from backprop_tui.lang import parse_program

    program = parse_program(text)
    return program, build_trace(for_level(program))


def in_background(app, work: Callable[[], object], then: Callable[[object], object]) -> None:
    """Run `work` in a daemon thread and `then(result)` on the app's loop; a BadInput (or any error, as a
    BadInput) is the result rather than an exception."""

    def run() -> None:
        try:
            result = work()
        except BadInput as err:
            result = err
        except Exception as err:  # shown inline, never a crash
            result = BadInput(f"{type(err).__name__}: {err}")
        with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
            app.call_from_thread(then, result)

    threading.Thread(target=run, name="backprop-load", daemon=True).start()


class BackgroundBuild(Base):
    build_request = 0  # the newest background build asked for; older results are dropped
    building = False

    def build_in_background(self, text: str, check: bool) -> None:
        self.build_request += 1
        request = self.build_request
        self.building = True
        lines = text.count("\n") + 1
        self.error_line.show(f"building the program ({lines:,} lines)… the app stays usable; ctrl+q quits")
        in_background(self, lambda: build_parts(text, self.program_for_level),
                      lambda result: self._built(request, text, check, result))

    def _built(self, request: int, text: str, check: bool, result: object) -> None:
        if request != self.build_request or not self.is_running:
            return
        self.building = False
        if isinstance(result, BadInput):
            self.error_line.show(str(result))
            return
        program, trace = result  # type: ignore[misc]
        self.error_line.show(None)
        self.text, self.program = text, program
        self.install(trace)
        if check or self._painted:  # at start-up the check waits for the first paint; that has passed
            self.request_check()
