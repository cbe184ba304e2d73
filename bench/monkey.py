"""The monkey at length: seeded random keys over the whole app, both screens, the palette, the dialogs and
the editor (tests/tui/monkey.py), and the keys per second it sustains.

    .venv/bin/python bench/monkey.py                      # 4 seeds × 2,500 keys = 10,000 keys
    .venv/bin/python bench/monkey.py --keys 5000 --seeds 1 2 3

Prints one line per seed (keys, seconds, keys/s, screens visited, dialogs answered) and a total; exits 1
if the app stopped or raised under any seed. The torch referee is replaced by an echo of the engine's
figures, so the run measures the app, not torch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_tui.tui.app import BackpropApp  # noqa: E402
from tests.tui.conftest import echo_checker  # noqa: E402
from tests.tui.monkey import monkey  # noqa: E402
from tests.tui.test_network_wiring import SPEC  # noqa: E402

DEFAULT_SEEDS = (20261127, 11, 4242, 90210)


async def one(seed: int, keys: int, folder: Path) -> tuple[float, object]:
    spec = folder / "net.toml"
    spec.write_text(SPEC)
    app = BackpropApp(checker=echo_checker)
    start = time.perf_counter()
    async with app.run_test(size=(80, 24)) as pilot:
        run = await monkey(app, pilot, seed, keys, spec)
    return time.perf_counter() - start, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=2500, help="keys per seed (default 2,500)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS))
    args = parser.parse_args()
    total_keys, total_time, failed = 0, 0.0, []
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # `s` saves program.bp in the working folder
        for seed in args.seeds:
            try:
                seconds, run = asyncio.run(one(seed, args.keys, Path(tmp)))
            except Exception as err:  # the failure is the finding: report it and go on
                print(f"seed {seed}: FAILED: {type(err).__name__}: {err}")
                failed.append(seed)
                continue
            total_keys += run.keys
            total_time += seconds
            print(f"seed {seed}: {run.keys:,} keys in {seconds:.1f} s = {run.keys / seconds:.0f} keys/s; "
                  f"screens {dict(run.screens)}; {run.dialogs_answered} dialogs answered; "
                  f"{run.specs_opened} specs opened; {run.quits} quit requests")
    if total_time:
        print(f"total: {total_keys:,} keys over {len(args.seeds) - len(failed)} seeds in {total_time:.1f} s = "
              f"{total_keys / total_time:.0f} keys/s; failed seeds: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
