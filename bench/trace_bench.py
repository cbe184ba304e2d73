"""Speed of `backprop-tui trace --format json` against a plain torch script, whole processes.

    python bench/trace_bench.py [--runs 5] [--baseline ../shared/bench/torch_baseline.py]

Bars (issue 2): 10,000 statements within 1.5x the baseline; 20,000 within 2.2x our own 10,000.
Programs are generated into a temporary folder (bench/make_chain.py), never committed.
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

DEFAULT_BASELINE = HERE.parent.parent / "shared" / "bench" / "torch_baseline.py"


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
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    args = parser.parse_args()
    ours = [sys.executable, "-m", "backprop_tui", "trace"]
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for n in (10_000, 20_000):
            files[n] = Path(tmp) / f"chain{n}.bp"
            files[n].write_text(chain_program(n))
        base = median_seconds([sys.executable, str(args.baseline), str(files[10_000])], args.runs)
        t10 = median_seconds([*ours, str(files[10_000]), "--format", "json"], args.runs)
        t20 = median_seconds([*ours, str(files[20_000]), "--format", "json"], args.runs)
    print(f"plain torch baseline, 10,000 statements: {base:.2f} s (median of {args.runs})")
    print(f"backprop-tui trace --format json, 10,000: {t10:.2f} s  ratio {t10 / base:.2f}x  (bar 1.5x)")
    print(f"backprop-tui trace --format json, 20,000: {t20:.2f} s  ratio {t20 / t10:.2f}x of 10,000  (bar 2.2x)")
    ok = t10 <= 1.5 * base and t20 <= 2.2 * t10
    print("PASS" if ok else "OVER THE BAR")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
