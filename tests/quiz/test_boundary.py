"""The quiz core is pure: it loads neither textual nor torch (a front end or a test may use it alone)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import backprop_tui.quiz
from backprop_tui.quiz import Quiz, chain_questions, network_questions
from backprop_tui.lang import parse_program
from backprop_tui.engine.trace import build_trace
from backprop_tui.network.spec import load_spec
from backprop_tui.network.engine import trace
quiz = Quiz(on=True)
quiz.load(chain_questions(build_trace(parse_program("x = 1; y = x*2"))))
quiz.load(network_questions(trace(load_spec(sys.argv[1]))))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "textual"))))
"""


def test_the_quiz_core_imports_neither_torch_nor_textual():
    spec = ROOT / "examples" / "classic-2-2-2.toml"
    done = subprocess.run([sys.executable, "-c", PROBE, str(spec)], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
