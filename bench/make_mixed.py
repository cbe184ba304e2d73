"""Generate the mixed benchmark program: + − * / tanh exp sigmoid, fan-in from 8 leaves, values bounded.

    python bench/make_mixed.py 10000 [SEED] > big.bp        (seed 0 by default: the published figures')

Eight leaves l0..l7 in [-1, 1] feed every statement; each statement also reads values computed in the last
ten, so the whole program is one graph and the backward pass visits it all. A naive random mix overflows
exp within a few hundred lines (the benchmark would time the error path), so every form keeps its result
within |3| when its operands are: tanh and sigmoid squash, exp only sees tanh(·) or −(·)², and every
divisor is 1 + sigmoid(·) or 2 + sigmoid(·), at least 1.
"""

from __future__ import annotations

import random
import sys

LEAVES = 8
FORMS = (
    "tanh({a}*{b} + {c})",
    "sigmoid({a} - {b})*tanh({c})",
    "exp(tanh({a}))/(1 + sigmoid({b}*{c}))",
    "(tanh({a}) + {b}*sigmoid({c}))/2",
    "tanh({a} - {b})*{c}/3",
    "sigmoid({a})*exp(-{b}*{b})",
    "({a} - {b}*{c})/(2 + sigmoid({a}))/2",
)


def mixed_program(statements: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    lines = [f"l{k} = {rng.uniform(-1, 1):.6f}" for k in range(LEAVES)]
    computed: list[str] = []
    while len(lines) < statements:
        def operand() -> str:
            if computed and rng.random() < 0.5:
                return rng.choice(computed[-10:])
            return f"l{rng.randrange(LEAVES)}"

        name = f"h{len(computed)}"
        form = FORMS[rng.randrange(len(FORMS))]
        lines.append(f"{name} = " + form.format(a=operand(), b=operand(), c=operand()))
        computed.append(name)
    return "\n".join(lines[:statements]) + "\n"


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sys.stdout.write(mixed_program(n, int(sys.argv[2]) if len(sys.argv) > 2 else 0))
