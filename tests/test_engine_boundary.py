"""The engine stays free of torch and textual: a front end can show values before torch has loaded.

Imported in a fresh process: backprop_tui.lang (and every module of it), every module of
backprop_tui.engine, backprop_tui.report and backprop_tui.export (which writes torch code, never imports
it), the backprop_tui.check package init (which must stay light: torch is imported only by the referee
modules) and backprop_tui.cli.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, json, pkgutil, sys
import backprop_tui.lang, backprop_tui.engine, backprop_tui.report, backprop_tui.export
names = ["backprop_tui.lang", "backprop_tui.check", "backprop_tui.cli", "backprop_tui.errors", "backprop_tui.numbers"]
for pkg in (backprop_tui.lang, backprop_tui.engine, backprop_tui.report, backprop_tui.export):
    names += [m.name for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + ".")]
for name in names:
    importlib.import_module(name)
from backprop_tui.lang import parse_program
from backprop_tui.engine.trace import build_trace
from backprop_tui.engine.atomize import atomize
from backprop_tui.check import fd_figures
program = parse_program("x = 1\\nw = 2\\ny = tanh(x*w)\\np, q = softmax(x, y)\\n")
trace = build_trace(atomize(program))
fd_figures(trace)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "textual", "numpy"))
print(json.dumps({"imported": names, "heavy": heavy}))
"""


def test_engine_language_reports_and_cli_import_neither_torch_nor_textual():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert "backprop_tui.engine.trace" in got["imported"] and "backprop_tui.report.chain_json" in got["imported"]
    heavy = {m.split(".")[0] for m in got["heavy"]}
    assert "torch" not in heavy, got["heavy"][:10]
    assert "textual" not in heavy, got["heavy"][:10]


NETWORK_PROBE = """
import importlib, json, pkgutil, sys
import backprop_tui.network
names = [m.name for m in pkgutil.iter_modules(backprop_tui.network.__path__, "backprop_tui.network.")]
for name in names:
    importlib.import_module(name)
from backprop_tui.network.spec import load_spec
from backprop_tui.network.engine import trace
trace(load_spec(sys.argv[1]))
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "textual"))
print(json.dumps({"imported": names, "heavy": heavy}))
"""


def test_the_network_engine_imports_neither_torch_nor_textual():
    spec = ROOT / "examples" / "classic-2-2-2.toml"
    done = subprocess.run([sys.executable, "-c", NETWORK_PROBE, str(spec)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert "backprop_tui.network.engine" in got["imported"] and "backprop_tui.network.cli" in got["imported"]
    assert got["heavy"] == []
