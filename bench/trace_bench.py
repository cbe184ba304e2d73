"""Speed of `backprop-tui trace --format json` against a plain torch script, whole processes.

    python bench/trace_bench.py [--runs 5] [--programs mixed,chain] [--seed 0]

The baseline is bench/torch_baseline.py (vendored from the project's shared benchmark): the same program
straight in PyTorch, float64, one tensor per name, every gradient from one autograd.grad call, JSON out.
Both sides are whole processes that import torch. Bars (issue 9): 10,000 statements within 1.3x the
baseline; 20,000 within 2.2x our own 10,000. Programs are generated into a temporary folder, never
committed: `mixed` (bench/make_mixed.py: + − * / tanh exp sigmoid, fan-in from 8 leaves, seed 0) is the
issue's program; `chain` (bench/make_chain.py: affine steps, tanh sigmoid sin relu) the earlier one.
The exact referee is lazy at this size (check.pipeline.EXACT_LIMIT): it costs nothing where all agree.
Medians of --runs runs; on a shared machine, run it twice and read the lower.
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


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
            base = median_seconds([sys.executable, str(BASELINE), str(files[10_000])], args.runs)
            t10 = median_seconds([*ours, str(files[10_000]), "--format", "json"], args.runs)
            t20 = median_seconds([*ours, str(files[20_000]), "--format", "json"], args.runs)
            print(f"[{kind}, seed {args.seed}] plain torch baseline, 10,000 statements: {base:.2f} s "
                  f"(median of {args.runs})")
            print(f"[{kind}] backprop-tui trace --format json, 10,000: {t10:.2f} s  ratio {t10 / base:.2f}x (bar 1.3x)")
            print(f"[{kind}] backprop-tui trace --format json, 20,000: {t20:.2f} s  ratio {t20 / t10:.2f}x of "
                  "10,000 (bar 2.2x)")
            ok = ok and t10 <= 1.3 * base and t20 <= 2.2 * t10
    print("PASS" if ok else "OVER THE BAR")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
