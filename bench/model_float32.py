"""float64 (the engine) against float32 (torch, as the file runs) on the blog post's MLP code: how many printed
`Epoch [k/N], Loss: x` lines differ, and the largest loss gap; and the wall time of `train seed_mlp.py`.

Issue 10's figures: "0 of 400 lines differed at 4 decimals, and the largest loss gap was 1.4e-6"; a line that
differs is accepted only within 1e-5 relative. Each run is the post's code with `torch.manual_seed(s)`,
`X = torch.randn(ROWS, 10)` and `y = torch.randint(0, 2, (ROWS,))` above it, s = 0, 1, ...; 1,000 epochs,
a line every 100, so 40 runs give 400 lines. The tool's own pipeline is used (reader, torch's replay,
binding, the numpy engine, the referee's float32 run), in this process.

    .venv/bin/python bench/model_float32.py [--runs 40] [--rows 1000] [--epochs 1000] [--no-time]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_tui.check.torch_model import replay_init, train_float32  # noqa: E402
from backprop_tui.lang.torch_model import read_model  # noqa: E402
from backprop_tui.network.engine import train  # noqa: E402
from backprop_tui.network.model_bind import bind  # noqa: E402

POST = (ROOT / "examples" / "seed_mlp.py").read_text(encoding="utf-8")


def seeded(seed: int, rows: int, epochs: int) -> str:
    head, body = POST.split("class MLP", 1)
    return (head + f"torch.manual_seed({seed})\nX = torch.randn({rows}, 10)\ny = torch.randint(0, 2, ({rows},))\n"
            f"num_epochs = {epochs}\nclass MLP" + body)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--no-time", action="store_true", help="skip timing `train examples/seed_mlp.py`")
    args = ap.parse_args()
    lines = differ = 0
    worst_abs = worst_rel = 0.0
    for seed in range(args.runs):
        plan = read_model(seeded(seed, args.rows, args.epochs))
        b = bind(plan, replay_init(plan.rng_plan()), None, None)
        (p,) = plan.prints
        shown = [e for e in range(1, b.epochs + 1) if p.shows(b.env(e))]
        losses64, _ = train(b.spec, b.epochs)
        losses32 = train_float32(b.float32_run(shown))["losses"]
        for epoch, l32 in zip(shown, losses32, strict=True):
            l64 = losses64[epoch - 1]
            lines += 1
            differ += p.line_for(b.env(epoch, l64)) != p.line_for(b.env(epoch, l32))
            worst_abs = max(worst_abs, abs(l64 - l32))
            worst_rel = max(worst_rel, abs(l64 - l32) / abs(l32))
    print(f"{lines} lines ({args.runs} runs x {args.epochs} epochs, {args.rows} rows): {differ} differ at the printed "
          f"digits; largest loss gap {worst_abs:.2g} absolute, {worst_rel:.2g} relative (accepted up to 1e-5)")
    if not args.no_time:
        start = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "backprop-tui"), "train",
                               str(ROOT / "examples" / "seed_mlp.py"), "--epochs", "300"], capture_output=True)
        wall = time.perf_counter() - start
        print(f"train examples/seed_mlp.py --epochs 300: exit {done.returncode}, {wall:.2f} s wall (referee start, "
              "torch's replay, 300 epochs, 11 float64 checks, the float32 run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
