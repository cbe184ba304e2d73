"""How long one step takes on a 1,000-node program, measured inside the app; and that its graph holds
every node (the circuit draws far uses as stubs, so nothing is left out).

Each step key's action records the time from the action to the end of the refresh that follows it
(`App.step_times`, via `call_after_refresh`); the pilot's own waits are not counted. Target: median <= 16 ms.
The same window's CPU time (the process's, which here is the app's alone: the referee is off) is reported
too: on a shared machine the wall-clock figure also counts the time other processes held the cores.

    .venv/bin/python bench/step_time.py [--nodes 1000] [--steps 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time


def big_program(nodes: int) -> str:
    leaves = min(100, nodes // 10)
    lines = [f"a{i} = {((i * 37) % 19 - 9) / 10}" for i in range(leaves)]
    lines.append("n0 = a0*a1")
    for i in range(1, nodes - leaves):
        lines.append(f"n{i} = n{i - 1}*a{i % leaves}*0.5 + a{(i * 7) % leaves}")
    return "\n".join(lines) + "\n"


async def run(nodes: int, steps: int, size: tuple[int, int]) -> None:
    from backprop_tui.tui.app import BackpropApp

    text = big_program(nodes)
    t0 = time.perf_counter()
    app = BackpropApp(text, check=False)  # stepping only: the referee runs in its own process anyway
    cpu: list[float] = []
    go = app.go

    def timed_go(k: int) -> None:
        began = time.process_time()
        go(k)  # which asks for its own wall-clock mark after the refresh; this one follows it
        app.call_after_refresh(lambda: cpu.append(time.process_time() - began))

    app.go = timed_go  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        while app.graph.canvas is None:  # a large program is laid out in a thread
            await asyncio.sleep(0.01)
        await pilot.pause()
        built = time.perf_counter() - t0
        n = app.state.n
        drawn = len(app.graph.canvas.boxes)
        assert drawn == nodes == len(app.state.trace.names), f"the graph holds {drawn} of {nodes} nodes"
        # walk: forward steps, a jump to the backward pass, backward steps, jumps
        keys = ["n"] * (steps // 3) + ["b"] + ["p"] * (steps // 3) + ["home", "f"] + ["n"] * (steps // 3) + ["end"]
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        times = sorted(t * 1000 for t in app.step_times)
    print(f"program: {nodes} nodes, {n} steps, all {drawn} in the graph; app up with it in {built:.2f} s (pilot)")
    cpu_ms = sorted(t * 1000 for t in cpu)
    print(f"step time over {len(times)} keys: median {statistics.median(times):.2f} ms, "
          f"p90 {times[int(len(times) * 0.9)]:.2f} ms, max {times[-1]:.2f} ms  (target: median <= 16 ms)")
    print(f"CPU time in those steps:   median {statistics.median(cpu_ms):.2f} ms, "
          f"p90 {cpu_ms[int(len(cpu_ms) * 0.9)]:.2f} ms, max {cpu_ms[-1]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--size", default="100x30")
    args = parser.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    asyncio.run(run(args.nodes, args.steps, (w, h)))


if __name__ == "__main__":
    main()
