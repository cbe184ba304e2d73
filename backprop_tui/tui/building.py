"""Building a large program off the event loop (a mixin of BackpropApp), so the app paints and answers
ctrl+q while it parses, derives and lays out (a 20,000-statement program takes seconds).

Small programs build at once, as before (tests and typing stay synchronous). A program of more than
PROGRAM_CHARS, or one with a loop (a few lines of PyTorch can unroll 10,000 iterations: tens of seconds),
builds in a daemon thread: a plain thread, not Textual's thread worker, whose executor would
keep the process alive until the build finished after the user quit. Only the newest request's result is
installed. The thread holds garbage collection off while it allocates (no_gc).
"""

from __future__ import annotations

import contextlib
import gc
import re
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from backprop_tui.errors import BadInput

if TYPE_CHECKING:
    from backprop_tui.tui.app import BackpropApp

    Base = BackpropApp
else:
    Base = object

# a spec of more characters than this loads in the background; a program that long says it is building
BACKGROUND_CHARS = 30_000
# a program of more characters than this builds in the background: ~200 statements, ~30 ms to parse and
# derive on the UI thread, under the 50 ms a frame may take (bench/open_time.py's 1,000 nodes: 24,000)
PROGRAM_CHARS = 5_000
# a `for` loop unrolls up to limits.LOOP_ITERATIONS times: its cost is not in its length (one scan, linear)
_LOOP = re.compile(r"\bfor\b")


def builds_in_background(text: str) -> bool:
    """Whether a program text may take longer than a frame to parse and derive: long, or with a loop."""
    return len(text) > PROGRAM_CHARS or _LOOP.search(text) is not None


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Garbage collection off while a thread allocates a program's worth of objects: each burst would start
    a collection that walks every object of the process with the GIL held (a frame of 100 ms and more on
    the UI thread). Collection is process-wide; the previous state comes back at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_parts(text: str, for_level: Callable[[object], object], lay_out: Callable[[object], object]):
    """(program, trace at the graph's level, its circuit laid out) of a program text, or raises BadInput:
    the pure part of a rebuild, safe in a thread; one thread does it all, so the UI thread only installs
    the result and paints it."""
    from backprop_tui.engine.trace import build_trace
    from backprop_tui.lang import parse_program

    with no_gc():
        program = parse_program(text)
        trace = build_trace(for_level(program))
    return program, trace, lay_out(trace)


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
    building_text: str | None = None  # the text of the build under way

    def build_in_background(self, text: str, check: bool) -> None:
        if self.building and text == self.building_text:
            return  # already under way (the editor's change event after a load asks again)
        self.building_text = text
        self.build_request += 1
        request = self.build_request
        self.building = True
        looped = _LOOP.search(text) is not None
        if len(text) > BACKGROUND_CHARS or looped:  # a build that may take a second or more: say so
            lines = text.count("\n") + 1
            what = "unrolling its loops" if looped else f"{lines:,} lines"
            self.error_line.show(f"building the program ({what})… the app stays usable; ctrl+q quits")
            if self.state is None:  # nothing drawn yet: the graph says what is coming, not "no program"
                self.graph.set_waiting(f"building the program ({what})…")
        for_level, lay_out = self.program_for_level, self.layout_job()
        in_background(self, lambda: build_parts(text, for_level, lay_out),
                      lambda result: self._built(request, text, check, result))

    def _built(self, request: int, text: str, check: bool, result: object) -> None:
        if request != self.build_request or not self.is_running:
            return
        self.building = False
        if isinstance(result, BadInput):
            self.error_line.show(str(result))
            return
        program, trace, laid = result  # type: ignore[misc]
        self.error_line.show(None)
        self.text, self.program = text, program
        self.install(trace, laid)
        if check or self._painted:  # at start-up the check waits for the first paint; that has passed
            self.request_check()
