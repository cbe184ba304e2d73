"""The PyTorch model path keeps torch in the referee: its reader, binding and commands import neither torch
nor textual (checked in a fresh interpreter; the end-to-end `train` is checked in tests/cli)."""

from __future__ import annotations

import subprocess
import sys

from tests.core_helpers import ROOT

PROBE = """
import importlib, pkgutil, sys
import backprop_tui.lang.torch_model as pkg
for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
    importlib.import_module(m.name)
import backprop_tui.network.model_cli, backprop_tui.network.model_bind, backprop_tui.network.model_data
from backprop_tui.lang.torch_model import read_model
read_model(open("examples/seed_mlp.py", encoding="utf-8").read())
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "textual"})
print(heavy)
"""


def test_the_model_reader_and_commands_import_neither_torch_nor_textual():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_reader_alone_does_not_even_import_numpy():
    code = ("import sys; from backprop_tui.lang.torch_model import read_model; "
            "read_model(open('examples/seed_mlp.py', encoding='utf-8').read()); print('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
