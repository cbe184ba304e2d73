"""How far the elementary kernels stray from the correctly rounded result, in ulps: the constants that
check/bounds.py counts (KERNEL_ULPS) and the float32 check's tolerance come from here.

    python bench/kernel_ulps.py [--points 3000]

For each function it samples its usual range, evaluates it with Python's math module (glibc: the engine)
and with torch's CPU kernels on 0-dim float64 and float32 tensors (the referee, and a float32 snippet), and
compares with mpmath at 40 digits; the figure is the largest |result − exact| in ulps of the exact value.
A sample bounds nothing by itself: the bounds round these maxima up (tanh below |x| = 2 to glibc's 2 ulps).
"""

from __future__ import annotations

import argparse
import math
import random

import mpmath
import torch
import torch.nn.functional as F

mpmath.mp.dps = 40


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


FUNCTIONS = {  # name: (math, torch, exact, range)
    "exp": (math.exp, torch.exp, mpmath.exp, (-80.0, 80.0)),
    "log": (math.log, torch.log, mpmath.log, (1e-6, 1e6)),
    "sqrt": (math.sqrt, torch.sqrt, mpmath.sqrt, (0.0, 1e6)),
    "tanh |x|<2": (math.tanh, torch.tanh, mpmath.tanh, (-2.0, 2.0)),
    "tanh |x|>=2": (math.tanh, torch.tanh, mpmath.tanh, (2.0, 20.0)),
    "sigmoid": (_sigmoid, torch.sigmoid, lambda x: 1 / (1 + mpmath.exp(-x)), (-40.0, 40.0)),
    "sin": (math.sin, torch.sin, mpmath.sin, (-20.0, 20.0)),
    "cos": (math.cos, torch.cos, mpmath.cos, (-20.0, 20.0)),
    "tan": (math.tan, torch.tan, mpmath.tan, (-1.5, 1.5)),
    "softplus": (lambda x: x if x > 20 else math.log1p(math.exp(x)), F.softplus,
                 lambda x: x if x > 20 else mpmath.log(1 + mpmath.exp(x)), (-30.0, 30.0)),
}


def ulps(value: float, exact: mpmath.mpf, mantissa: int) -> float:
    if exact == 0:
        return 0.0
    _, e = math.frexp(float(exact))
    return float(abs(mpmath.mpf(value) - exact) / mpmath.mpf(2.0 ** (e - mantissa)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(0)
    print(f"{'function':<14} {'glibc f64':>10} {'torch f64':>10} {'torch f32':>10}   (largest error, ulps)")
    for name, (py, tf, exact_fn, (lo, hi)) in FUNCTIONS.items():
        worst = [0.0, 0.0, 0.0]
        for _ in range(args.points):
            x = rng.uniform(lo, hi)
            x32 = torch.tensor(x, dtype=torch.float32).item()
            e64, e32 = exact_fn(mpmath.mpf(x)), exact_fn(mpmath.mpf(x32))
            worst[0] = max(worst[0], ulps(py(x), e64, 53))
            worst[1] = max(worst[1], ulps(tf(torch.tensor(x, dtype=torch.float64)).item(), e64, 53))
            worst[2] = max(worst[2], ulps(tf(torch.tensor(x32, dtype=torch.float32)).item(), e32, 24))
        print(f"{name:<14} {worst[0]:>10.3f} {worst[1]:>10.3f} {worst[2]:>10.3f}")


if __name__ == "__main__":
    main()
