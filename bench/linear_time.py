"""Linear time up to the caps: three doublings of each hostile-but-plain input, each doubling ≤ 2.5x the time.

    .venv/bin/python bench/linear_time.py            # every input, 4 sizes each (the largest at the cap)
    .venv/bin/python bench/linear_time.py --quick    # smaller sizes (a quarter)

Each input is read the way the tool reads it (parse_program + build_trace for programs, which is what
`trace` and the app do before torch; load_spec for specs and their CSV), valid or refused, and timed in
CPU seconds of this process (so that other work on a shared machine does not count), the best of 3 runs.
An input read in a few milliseconds (those refused at once, such as deep nesting in a snippet) is timed
over enough runs back to back to fill MIN_SECONDS of CPU, and the figure is one run's share: a single
run of a few ms is timer and scheduler noise, whose ratios (3.3 for a 2.7 ms run) meant nothing.
Prints the seconds per size and the ratio of each doubling; exits 1 if a ratio exceeds 2.5. Then prints
the memory a trace holds (tracemalloc) for the trace benchmark's program.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_tui import limits  # noqa: E402
from backprop_tui.engine.trace import build_trace  # noqa: E402
from backprop_tui.errors import BadInput  # noqa: E402
from backprop_tui.lang import parse_program  # noqa: E402
from backprop_tui.network.spec import load_spec, parse_spec  # noqa: E402

MAX_RATIO = 2.5
MIN_SECONDS = 0.2  # a figure below this is timed over several runs: one run of a few ms is timer noise
LOOPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
SNIPPET_HEAD = "import torch\nx = torch.tensor(1., requires_grad=True)\n"
SPEC_HEAD = '[network]\nsizes = [2, 2]\noutput = "sigmoid"\nloss = "mse"\nlr = 0.5\n'


def program(text: str) -> str:
    """parse + trace, as `trace` and the app do; a refusal is a result too."""
    try:
        return f"{len(build_trace(parse_program(text)).steps)} steps"
    except BadInput as err:
        return f"refused: {err.message[:40]}"


def spec_text(text: str) -> str:
    try:
        return f"{parse_spec(text).x.shape[0]} rows"
    except BadInput as err:
        return f"refused: {err.message[:40]}"


def csv_rows(rows: int, folder: Path) -> Callable[[], str]:
    path = folder / f"rows{rows}.csv"
    path.write_text("a,b,y0,y1\n" + "".join(f"{i % 7 * 0.1:.1f},{i % 5 * 0.2:.1f},1,0\n" for i in range(rows)))
    spec = folder / f"rows{rows}.toml"
    spec.write_text(SPEC_HEAD.replace("[2, 2]", "[2, 2]") + f'[data]\ncsv = "{path.name}"\n')

    def run() -> str:
        return f"{load_spec(str(spec)).x.shape[0]} rows"

    return run


def softmax_statements(count: int) -> str:
    args = ", ".join(f"x{j}" for j in range(limits.SOFTMAX_ARITY))
    outs = ", ".join(f"p{{i}}_{j}" for j in range(limits.SOFTMAX_ARITY))
    head = "".join(f"x{j} = {j % 5 * 0.1:.1f}\n" for j in range(limits.SOFTMAX_ARITY))
    return head + "".join(outs.format(i=i) + f" = softmax({args})\n" for i in range(count))


def wide_softmax(n: int) -> str:
    leaves = "".join(f"x{j} = 1\n" for j in range(n))
    return leaves + ", ".join(f"p{j}" for j in range(n)) + " = softmax(" + ", ".join(f"x{j}" for j in range(n)) + ")\n"


Case = tuple[int, Callable[[], Callable[[], str]]]  # (n, make the timed run: the input is built untimed)


def inputs(scale: float, folder: Path) -> dict[str, list[Case]]:
    cap = limits.PROGRAM_BYTES
    table: dict[str, list[Case]] = {}

    def add(name: str, largest: int, text: Callable[[int], str], reader: Callable[[str], str] = program) -> None:
        top = max(8, int(largest * scale))

        def make(n: int) -> Callable[[], Callable[[], str]]:
            def prepared() -> Callable[[], str]:
                built = text(n)
                return lambda: reader(built)
            return prepared

        table[name] = [(n, make(n)) for n in (top // 8, top // 4, top // 2, top)]

    add("blank lines (chain)", cap - 16, lambda n: "\n" * n + "x = 1\n")
    add("blank lines (snippet)", cap - 100, lambda n: SNIPPET_HEAD + "\n" * n + "y = x*2\n")
    add("whitespace lines", (cap - 16) // 5, lambda n: "    \n" * n + "x = 1\n")
    add("blank lines (spec)", limits.SPEC_BYTES - 200,
        lambda n: SPEC_HEAD + "\n" * n + "[data]\nx = [[0, 1]]\ny = [[1, 0]]\n", spec_text)
    add("comment lines", cap // 40, lambda n: "# a comment about torch.autograd\n" * n + "x = 1\n")
    add("one long line (chain)", cap // 4 - 10, lambda n: "x = 1\ny = x" + " + x" * n + "\n")
    add("one long line (snippet)", cap // 6 - 100, lambda n: SNIPPET_HEAD + "y = x" + " + x" * n + "  # é\n")
    add("deep nesting: unary minus", cap - 16, lambda n: "x = 1\ny = " + "-" * n + "x\n")
    add("deep nesting: snippet unary", cap - 100, lambda n: SNIPPET_HEAD + "y = " + "-" * n + "x\n")
    add("deep nesting: parentheses", cap // 2 - 16, lambda n: "x = 1\ny = " + "(" * n + "x" + ")" * n + "\n")
    add("deep nesting: TOML arrays", limits.SPEC_BYTES // 2 - 200,
        lambda n: SPEC_HEAD + "[data]\nx = " + "[" * n + "]" * n + "\n", spec_text)
    add("wide softmax (refused)", cap // 28, wide_softmax)
    add("softmax(64) statements", 80, softmax_statements)
    rows = int(limits.DATA_ROWS * scale)
    table["CSV rows"] = [(n, lambda n=n: csv_rows(n, folder)) for n in (rows // 8, rows // 4, rows // 2, rows)]
    return table


def timed(run: Callable[[], str], loops: int) -> tuple[float, str]:
    """CPU seconds of one run, averaged over `loops` runs back to back."""
    result = ""
    gc.collect()
    gc.disable()  # as the headless commands run (cli.main): collections are not the input's cost
    start = time.process_time()
    try:
        for _ in range(loops):
            result = run()
    finally:
        seconds = (time.process_time() - start) / loops
        gc.enable()
    return seconds, result


def best_of(run: Callable[[], str], repeats: int = 3) -> tuple[float, str, int]:
    """CPU seconds of this process (other processes on a shared machine do not count), best of `repeats`;
    a run shorter than MIN_SECONDS is timed over enough runs back to back to fill MIN_SECONDS."""
    for loops in LOOPS:  # as timeit's autorange: the first number of runs that fills MIN_SECONDS
        seconds, result = timed(run, loops)
        if seconds * loops >= MIN_SECONDS:
            break
    times = [seconds]
    while len(times) < repeats and min(times) <= 5.0:  # past 5 s, noise is small against it
        seconds, result = timed(run, loops)
        times.append(seconds)
    return min(times), result, loops


def memory_per_step() -> str:
    sys.path.insert(0, str(ROOT / "bench"))
    from make_chain import chain_program

    text = chain_program(20_000)
    tracemalloc.start()
    trace = build_trace(parse_program(text))
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    steps = len(trace.steps)
    return (f"trace of the 20,000-statement benchmark program ({len(text) / 1e3:.0f} KB): {steps:,} steps, "
            f"{current / 1e6:.0f} MB held ({current / steps / 1e3:.2f} KB a step), peak {peak / 1e6:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the sizes")
    parser.add_argument("--only", help="run only the inputs whose name contains this")
    args = parser.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, cases in inputs(0.25 if args.quick else 1.0, Path(tmp)).items():
            if args.only and args.only not in name:
                continue
            times = []
            for n, make in cases:
                seconds, result, loops = best_of(make())
                times.append(seconds)
                runs = f", mean of {loops} runs" if loops > 1 else ""
                print(f"  {name:30} n={n:>10,}  {seconds * 1e3:9.2f} ms  ({result}{runs})", flush=True)
            ratios = [b / a if a > 0 else 0.0 for a, b in itertools.pairwise(times)]
            worst = max(worst, *ratios)
            verdict = "ok" if max(ratios) <= MAX_RATIO else "SUPER-LINEAR"
            print(f"{name}: doubling ratios {', '.join(f'{r:.2f}' for r in ratios)}  {verdict}", flush=True)
    print(f"worst doubling ratio {worst:.2f} (bar: {MAX_RATIO})")
    print(memory_per_step())
    return 0 if worst <= MAX_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
