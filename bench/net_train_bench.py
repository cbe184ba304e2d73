"""In-app training against headless training: the same network, epochs and torch-checking policy.

The bar (issue 8): training in the app, with its live updates on (the diagram's weights, the loss plot, the
decision map, the log), within 1.5x the headless time. Only the training loop is timed on both sides, never
process start or torch's import:
- headless: network.cli.run_training, as `backprop-tui train` runs it (torch checks the sampled epochs in
  this process), after one warm-up check has imported torch;
- app: the network screen, headless (Textual's pilot), from the `t` key to the end of the run; torch runs
  in its own process (network.remote.RemoteChecker), started and answering before the timer starts.
Each side runs in a fresh process, the sides interleaved; the best of --repeat runs (and the medians) are
compared. On a busy machine the app side, two processes (the app and the referee), suffers more.

    .venv/bin/python bench/net_train_bench.py [--spec examples/mlp-seed.toml] [--epochs 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from statistics import median


def headless(spec_path: str, epochs: int) -> float:
    from backprop_tui.check.torch_network import check_epoch
    from backprop_tui.network.cli import default_log_every, run_training
    from backprop_tui.network.report import epoch_line
    from backprop_tui.network.spec import load_spec

    spec = load_spec(spec_path)
    check_epoch(spec, spec.params)  # torch imported and warm
    every = default_log_every(epochs)
    lines: list[str] = []

    def on_epoch(epoch: int, loss: float) -> bool:  # what `train` does with each epoch (text output)
        if epoch % every == 0:
            lines.append(epoch_line(epoch, epochs, loss))
        return True

    start = time.perf_counter()
    res = run_training(spec, epochs, every, on_epoch, checker=check_epoch)  # torch in this process, as warmed
    elapsed = time.perf_counter() - start
    assert res.ok and res.epochs == epochs and len(res.checked_epochs) == len(lines) + 1
    return elapsed


def app(spec_path: str, epochs: int) -> float:
    from textual.app import App
    from textual.widgets import Input

    from backprop_tui.network.spec import load_spec
    from backprop_tui.tui.screens.network import NetworkScreen

    spec = load_spec(spec_path)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(NetworkScreen(spec, path=spec_path))

    async def run() -> float:
        host = Host()
        async with host.run_test(size=(140, 45)) as pilot:
            screen = host.screen
            while not screen.net.checked:  # the referee process is up and has answered once
                await asyncio.sleep(0.05)
            screen.query_one("#net-epochs", Input).value = str(epochs)
            await pilot.press("t")
            while screen.training:  # (the time is taken by the screen itself: t to the end of the run)
                await asyncio.sleep(0.1)
            assert screen.last_result is not None and screen.last_result.ok, screen.message
            assert screen.last_result.epochs == epochs
            return screen.train_seconds

    return asyncio.run(run())


def measure(side: str, spec: str, epochs: int) -> float:
    out = subprocess.run([sys.executable, __file__, "--side", side, "--spec", spec, "--epochs", str(epochs)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"{side} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", default="examples/mlp-seed.toml")
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--side", choices=("headless", "app"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        seconds = (headless if args.side == "headless" else app)(args.spec, args.epochs)
        print(json.dumps({"seconds": seconds}))
        return
    ours, theirs = [], []
    for _ in range(args.repeat):
        theirs.append(measure("headless", args.spec, args.epochs))
        ours.append(measure("app", args.spec, args.epochs))
    print(f"{args.spec}, {args.epochs} epochs, torch checking the first, the last and every tenth epoch")
    print(f"headless (run_training):     {min(theirs):.3f} s   runs: {', '.join(f'{t:.3f}' for t in theirs)}")
    print(f"in the app (t to the end):   {min(ours):.3f} s   runs: {', '.join(f'{t:.3f}' for t in ours)}")
    print(f"ratio: {min(ours) / min(theirs):.2f} best of each, {median(ours) / median(theirs):.2f} of the medians"
          "  (bar: 1.5)")


if __name__ == "__main__":
    main()
