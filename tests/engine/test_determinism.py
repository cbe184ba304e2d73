"""The same program gives the same steps, in the same order with the same text, in any process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """\
x = 0.5
w = -1.25
b = const(0.75)
a = x*w + b
c = tanh(a)*x + a*a
p1, p2, p3 = softmax(a, c, x)
y = p1*c + p2*a - p3 + relu(x - 0.5) + abs(w)
"""

PROBE = """
import json, sys
from backprop_tui.lang import parse_program
from backprop_tui.engine.trace import build_trace
from backprop_tui.engine.atomize import atomize
text = sys.stdin.read()
out = []
for program in (parse_program(text), parse_program(text, "c"), atomize(parse_program(text))):
    t = build_trace(program)
    out.append([[s.index, s.phase, s.target, s.formula, repr(s.value), s.wrt, s.nondiff, repr(s.terms)]
                for s in t.steps])
    out.append([[loc.of, loc.wrt, repr(loc.value)] for loc in t.locals])
print(json.dumps(out))
"""


def _steps(seed: str) -> list:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", PROBE], input=PROGRAM, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_steps_are_identical_across_processes_and_hash_seeds():
    first, second = _steps("1"), _steps("2")
    assert first == second
    assert len(first[0]) > 20 and len(first[4]) > len(first[0])  # the atomic trace has more steps
