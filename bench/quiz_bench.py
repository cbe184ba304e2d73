"""Quiz mode's costs: writing the questions of a program, and a step key with the quiz on, in the app.

    .venv/bin/python bench/quiz_bench.py [--nodes 1000] [--steps 300]

Prints: questions written and loaded for 1,000 and 10,000 statements (the app does this on each rebuild
while the quiz is on, and when it is turned on), and the step time (action to finished refresh, as
bench/step_time.py measures it) with the quiz on, answering every question right, beside the quiz off.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from step_time import big_program


def questions_cost() -> None:
    from backprop_tui.engine.trace import build_trace
    from backprop_tui.lang import parse_program
    from backprop_tui.quiz import Quiz, chain_questions

    for n in (1000, 10000):
        trace = build_trace(parse_program(big_program(n)))
        t0 = time.perf_counter()
        qs = chain_questions(trace)
        t1 = time.perf_counter()
        quiz = Quiz(on=True)
        quiz.load(qs)
        quiz.start(0)
        t2 = time.perf_counter()
        quiz.at(len(trace.steps))
        t3 = time.perf_counter()
        print(f"{n} statements, {len(trace.steps)} steps: {len(qs)} questions written in {(t1 - t0) * 1e3:.0f} ms, "
              f"loaded in {(t2 - t1) * 1e3:.0f} ms, a jump to the end {(t3 - t2) * 1e3:.0f} ms")


async def step_time(nodes: int, steps: int, quiz: bool) -> list[float]:
    """Quiz off: `n` on the graph. Quiz on: as a learner does, the right answer typed and enter (or enter
    alone where nothing is asked), the keys staying in the quiz input."""
    from backprop_tui.numbers import full
    from backprop_tui.quiz import ALL
    from backprop_tui.tui.app import BackpropApp

    app = BackpropApp(big_program(nodes), check=False, quiz=ALL if quiz else None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for _ in range(steps):
            if quiz:
                q = app.quiz.current(app.k)
                app.quiz_panel.input.value = full(q.answer) if q else ""
                await pilot.press("enter")
            else:
                await pilot.press("n")
        await pilot.pause()
        return sorted(t * 1000 for t in app.step_times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    questions_cost()
    for quiz in (False, True):
        times = asyncio.run(step_time(args.nodes, args.steps, quiz))
        print(f"step time, {args.nodes} nodes, quiz {'on ' if quiz else 'off'}: median "
              f"{statistics.median(times):.2f} ms, p90 {times[int(len(times) * 0.9)]:.2f} ms over {len(times)} keys")


if __name__ == "__main__":
    main()
