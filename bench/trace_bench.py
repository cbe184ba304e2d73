"""Speed of `backprop-tui trace --format json` against a plain torch script, whole processes.

    python bench/trace_bench.py [--runs 5] [--programs mixed,chain] [--seed 0]

The baseline is bench/torch_baseline.py (vendored from the project's shared benchmark): the same program
straight in PyTorch, float64, one tensor per name, every gradient from one autograd.grad call, JSON out.
Both sides are whole processes that import torch. Bars (issue 9): 10,000 statements within 1.3x the
baseline; 20,000 within 2.2x our own 10,000. Programs are generated into a temporary folder, never
committed: `mixed` (bench/make_mixed.py: + − * / tanh exp sigmoid, fan-in from 8 leaves, seed 0) is the
issue's program; `chain` (bench/make_chain.py: affine steps, tanh sigmoid sin relu) the earlier one.
The exact referee is lazy at this size (check.pipeline.EXACT_LIMIT): it costs nothing where all agree.
The runs are interleaved, and the best of them is the figure (a shared machine's bursts of load only
ever add time); medians are printed beside.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_chain import chain_program  # noqa: E402
from make_mixed import mixed_program  # noqa: E402

BASELINE = HERE / "torch_baseline.py"
GENERATORS = {"mixed": mixed_program, "chain": chain_program}


def timings(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Each command `runs` times, interleaved (a burst of load on a shared machine hits all of them)."""
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for key, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times[key].append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--programs", default="mixed,chain")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    ours = [sys.executable, "-m", "backprop_tui", "trace"]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.programs.split(","):
            files = {}
            for n in (10_000, 20_000):
                files[n] = Path(tmp) / f"{kind}{n}.bp"
                files[n].write_text(GENERATORS[kind](n, args.seed))
            got = timings({"base": [sys.executable, str(BASELINE), str(files[10_000])],
                           "t10": [*ours, str(files[10_000]), "--format", "json"],
                           "t20": [*ours, str(files[20_000]), "--format", "json"]}, args.runs)
            best = {k: min(v) for k, v in got.items()}
            mid = {k: statistics.median(v) for k, v in got.items()}
            print(f"[{kind}, seed {args.seed}] plain torch baseline, 10,000 statements: best {best['base']:.2f} s, "
                  f"median {mid['base']:.2f} s ({args.runs} runs, interleaved)")
            print(f"[{kind}] trace --format json, 10,000: best {best['t10']:.2f} s  "
                  f"ratio {best['t10'] / best['base']:.2f}x"
                  f"  (medians {mid['t10'] / mid['base']:.2f}x; bar 1.3x)")
            print(f"[{kind}] trace --format json, 20,000: best {best['t20']:.2f} s  "
                  f"ratio {best['t20'] / best['t10']:.2f}x "
                  f"of 10,000  (medians {mid['t20'] / mid['t10']:.2f}x; bar 2.2x)")
            ok = ok and best["t10"] <= 1.3 * best["base"] and best["t20"] <= 2.2 * best["t10"]
    print("PASS" if ok else "OVER THE BAR")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
