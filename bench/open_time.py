"""Opening bench/step_time.py's 1,000-node program in the running app: layout plus first paint of the graph,
and the longest frame while it happens.

The app starts on the seed chain; the program is then opened as `o` opens a file (`load_text`). Measured
inside the app's process:
- engine: parsing and the trace (the step list), synchronous as in every rebuild;
- layout + first paint: from the graph's layout request (`lay_out`) to the end of the refresh after the
  circuit is installed (a program over 200 nodes is laid out in a thread, so the screen keeps drawing);
- longest frame: the longest time the event loop did not run (a 2 ms ticker measures its gaps), during the
  layout and paint, and over the whole open.
Targets: layout + first paint <= 150 ms; no frame > 50 ms.

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


async def one(text: str, nodes: int) -> tuple[float, float, float, float]:
    from backprop_tui.tui.app import BackpropApp

    app = BackpropApp(check=False)
    marks: dict[str, float] = {}
    original = app.lay_out

    def lay_out(trace):
        marks["layout"] = time.perf_counter()
        original(trace)

    app.lay_out = lay_out  # type: ignore[method-assign]
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
        while app.graph.canvas is None or len(app.graph.canvas.boxes) != nodes:
            await asyncio.sleep(0.001)
        app.graph.call_after_refresh(lambda: painted.done() or painted.set_result(time.perf_counter()))
        done = await painted
        await asyncio.sleep(0.05)
        engine = marks["layout"] - start
        layout = done - marks["layout"]
        await asyncio.sleep(0.01)  # the ticker's wake-up that ends the last gap
        return engine, layout, ticker.longest(marks["layout"], done), ticker.longest(start, done), idle


async def main_async(nodes: int, runs: int) -> None:
    text = big_program(nodes)
    results = [await one(text, nodes) for _ in range(runs)]
    engine, layout, frame, frame_all, idle = (statistics.median(r[i] for r in results) * 1000 for i in range(5))
    worst = max(r[2] for r in results) * 1000
    print(f"opening a {nodes}-node program, median of {runs}:")
    print(f"  engine (parse + trace, synchronous): {engine:.0f} ms")
    print(f"  layout + first paint of the graph:   {layout:.0f} ms   (target <= 150 ms)  "
          f"{[round(r[1] * 1000) for r in results]}")
    print(f"  longest frame during layout + paint: {frame:.0f} ms (worst run {worst:.0f} ms; target <= 50 ms)")
    print(f"  longest frame over the whole open:   {frame_all:.0f} ms (the engine's rebuild included)")
    print(f"  longest gap while idle, before:      {idle:.0f} ms (the machine's own noise)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main_async(args.nodes, args.runs))


if __name__ == "__main__":
    main()
