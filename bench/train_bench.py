"""Training speed: `train` against a plain float64 torch loop doing the same (whole processes, both import torch).

The post's 10-20-2 network (relu, CrossEntropyLoss on the logits, SGD lr=0.001) on seed-mlp (1,000 rows),
1,000 full-batch epochs, printing the loss every 100 epochs; `train` includes its sampled torch checks.
Nothing large is written: one small spec file in a temporary folder.

    .venv/bin/python bench/train_bench.py [--epochs 1000] [--repeat 3]

Prints both times (the best of --repeat runs each), and the ratio; the bar is 1.2.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = """\
[network]
sizes = [10, 20, 2]
activation = "relu"
output = "identity"
loss = "cross_entropy"
lr = 0.001
seed = 0

[data]
dataset = "seed-mlp"
"""

# What a user would write: the post's module and loop, in float64, on the same data and starting weights.
BASELINE = """\
import sys
import numpy as np
import torch
from torch import nn
from backprop_tui.network.data import seed_mlp
from backprop_tui.network.spec import init_params

torch.set_default_dtype(torch.float64)
epochs = int(sys.argv[1])
ds = seed_mlp(0, 1000)
X = torch.from_numpy(ds.x)
y = torch.from_numpy(ds.labels)


class MLP(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


model = MLP(10, 20, 2)
start = init_params((10, 20, 2), 0)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(start[name]))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
for epoch in range(epochs):
    outputs = model(X)
    loss = criterion(outputs, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 100 == 0:
        print('Epoch [{}/{}], Loss: {:.4f}'.format(epoch + 1, epochs, loss.item()))
"""


def timed(cmd: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"{cmd[:3]} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "mlp.toml"
        spec.write_text(SPEC, encoding="utf-8")
        base = Path(tmp) / "baseline.py"
        base.write_text(BASELINE, encoding="utf-8")
        ours_cmd = [py, "-m", "backprop_tui", "train", str(spec), "--epochs", str(args.epochs),
                    "--log-every", "100"]
        base_cmd = [py, str(base), str(args.epochs)]
        ours, theirs = [], []
        for _ in range(args.repeat):  # interleaved, so drift in the machine's load hits both
            t, out_ours = timed(ours_cmd)
            ours.append(t)
            t, out_base = timed(base_cmd)
            theirs.append(t)
    last_ours = [line for line in out_ours.splitlines() if line.startswith("Epoch")][-1]
    last_base = [line for line in out_base.splitlines() if line.startswith("Epoch")][-1]
    print(f"backprop-tui train: {min(ours):.3f} s   ({last_ours}; {out_ours.splitlines()[-1]})")
    print(f"plain torch loop:   {min(theirs):.3f} s   ({last_base})")
    print(f"ratio: {min(ours) / min(theirs):.3f}  (bar: 1.2)")


if __name__ == "__main__":
    main()
