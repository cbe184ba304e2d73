"""Opening bench/step_time.py's 1,000-node program in the running app: layout plus first paint of the graph,
and the longest frame while it happens.

The app starts on the seed chain; the program is then opened as `o` opens a file (`load_text`: the editor
takes the text, then the rebuild). Measured inside the app's process, each the median of N opens:
- on the UI thread at once: the `load_text` call itself (the editor's new text; the build is started);
- build: parsing and the trace (the step list), from the open to the start of the layout
  (graph_actions.circuit_of); a program over building.PROGRAM_CHARS (5,000 characters; this one has
  ~24,000) builds in a thread, which then lays the circuit out too;
- layout + first paint: from the start of the layout to the end of the refresh after the app has installed
  the circuit (the UI thread only installs it and paints the rows in view);
- open to painted: the whole, from `load_text` to that refresh;
- longest frame: the longest time the event loop did not run (a 2 ms ticker measures its gaps), during the
  layout and paint, and over the whole open (the build's thread and the UI share one interpreter lock);
- the longest garbage collection during the open (a collection holds the interpreter lock throughout).
Each open runs in a fresh process set up as the console script sets up the app (tui.launch), so one open's
garbage does not burden the next.
Targets: layout + first paint <= 150 ms; no frame > 50 ms (over the whole open).

    .venv/bin/python bench/open_time.py [--nodes 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from step_time import big_program


class Ticker:
    """Records the gaps between wake-ups of a task that asks to run every 2 ms."""

    def __init__(self) -> None:
        self.gaps: list[tuple[float, float]] = []  # (time of wake-up, gap)
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            self.gaps.append((now, now - last))
            last = now

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def longest(self, since: float, until: float) -> float:
        """The longest stretch inside [since, until] in which the loop did not run (a gap that began
        earlier counts from `since`: the work before it is not this window's)."""
        inside = [min(at, until) - max(at - gap, since) for at, gap in self.gaps if at > since and at - gap < until]
        return max(inside, default=0.0)


async def one(text: str, nodes: int, pauses: list[tuple[float, float]]) -> tuple[float, ...]:
    from backprop_tui.tui import graph_actions
    from backprop_tui.tui.app import BackpropApp

    app = BackpropApp(check=False)
    marks: dict[str, float] = {}
    original = graph_actions.circuit_of

    def circuit_of(*args):  # the layout, in whichever thread runs it
        marks["layout"] = time.perf_counter()
        return original(*args)

    graph_actions.circuit_of = circuit_of
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        ticker = Ticker()
        ticker.start()
        idle_from = time.perf_counter()
        await asyncio.sleep(0.5)  # the machine's own noise: the longest gap while the app is idle
        idle = ticker.longest(idle_from, time.perf_counter())
        painted = asyncio.get_running_loop().create_future()
        start = time.perf_counter()
        app.load_text(text)
        returned = time.perf_counter()
        while app.graph.canvas is None or len(app.graph.canvas.boxes) != nodes:
            await asyncio.sleep(0.001)
        app.graph.call_after_refresh(lambda: painted.done() or painted.set_result(time.perf_counter()))
        done = await painted
        await asyncio.sleep(0.05)
        graph_actions.circuit_of = original
        engine = marks["layout"] - start
        layout = done - marks["layout"]
        await asyncio.sleep(0.01)  # the ticker's wake-up that ends the last gap
        return (engine, layout, ticker.longest(marks["layout"], done), ticker.longest(start, done), idle,
                returned - start, done - start, max((d for at, d in pauses if start <= at <= done), default=0.0))


def run_one(nodes: int) -> tuple[float, ...]:
    """One open in this process, set up as the console script sets up the app (tui.launch): garbage
    collection held off through start-up, what the imports made frozen, collection back on at the first
    frame. The collector's pauses over 10 ms during the open are counted too."""
    import gc

    from backprop_tui.tui.app import BackpropApp  # noqa: F401 (imported before the freeze, as in launch)

    pauses: list[tuple[float, float]] = []  # (when it ended, how long)
    began = [0.0]

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        elif time.perf_counter() - began[0] > 0.01:
            pauses.append((time.perf_counter(), time.perf_counter() - began[0]))

    gc.disable()
    gc.freeze()
    gc.callbacks.append(watch)
    result = asyncio.run(one(big_program(nodes), nodes, pauses))
    return result


def main_async(nodes: int, runs: int) -> None:
    """Each open in a fresh process (as a user opens it: one app, one program), `runs` of them in turn."""
    import json
    import subprocess

    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--nodes", str(nodes), "--one"], capture_output=True,
                             text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    text = big_program(nodes)
    engine, layout, frame, frame_all, idle, call, whole, gc_worst = (
        statistics.median(r[i] for r in results) * 1000 for i in range(8))

    def runs_of(i: int) -> list[int]:
        return [round(r[i] * 1000) for r in results]

    print(f"opening a {nodes}-node program ({len(text):,} characters), median of {runs} (one process each):")
    print(f"  load_text on the UI thread:          {call:.0f} ms  {runs_of(5)}")
    print(f"  build (parse + trace, in a thread):  {engine:.0f} ms  {runs_of(0)}")
    print(f"  layout + first paint of the graph:   {layout:.0f} ms  {runs_of(1)}  (target <= 150 ms)")
    print(f"  open to painted:                     {whole:.0f} ms  {runs_of(6)}")
    print(f"  longest frame during layout + paint: {frame:.0f} ms  {runs_of(2)}  (target <= 50 ms)")
    print(f"  longest frame over the whole open:   {frame_all:.0f} ms  {runs_of(3)}  (target <= 50 ms)")
    print(f"  longest garbage collection in it:    {gc_worst:.0f} ms  {runs_of(7)}")
    print(f"  longest gap while idle, before:      {idle:.0f} ms  {runs_of(4)}  (the machine's own noise)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child: one open, as JSON
    args = parser.parse_args()
    if args.one:
        import json

        print(json.dumps(run_one(args.nodes)))
        return
    main_async(args.nodes, args.runs)


if __name__ == "__main__":
    main()
