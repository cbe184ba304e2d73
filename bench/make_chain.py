"""Generate a large chain program for the speed benchmarks (written to a temp dir, never committed).

    python bench/make_chain.py 10000 > big.bp

The program mixes what real ones hold: leaves (weights and biases), affine steps, activations and
fan-out (every hidden value is read twice), so that values stay bounded at any length. It ends on a
computed value (a line or two short of the count where the count would end on a leaf).
"""

from __future__ import annotations

import random
import sys

FUNCS = ("tanh", "sigmoid", "sin", "relu")


def chain_program(statements: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    lines = ["x = 0.5", "h0 = tanh(x)"]
    i = 0
    while len(lines) < statements:
        i += 1
        prev, before = f"h{i - 1}", f"h{max(i - 2, 0)}"
        fn = FUNCS[i % len(FUNCS)]
        lines.append(f"w{i} = {rng.uniform(-1, 1):.6f}")
        lines.append(f"b{i} = {rng.uniform(-0.5, 0.5):.6f}")
        lines.append(f"h{i} = {fn}({prev}*w{i} + b{i}) + 0.1*{before}")
    lines = lines[:statements]
    while not lines[-1].startswith("h"):  # end on a computed value: the output's backward pass is the whole
        lines.pop()  # program (a leaf as the output, as 10,000 lines once gave, leaves torch nothing to do)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(chain_program(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
