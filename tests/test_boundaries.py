"""The core stays importable without the UI or torch: checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = "import sys; {imports}; print(sorted(m for m in ('textual', 'torch') if m in sys.modules))"


def loaded_after(imports: str) -> str:
    out = subprocess.run([sys.executable, "-c", PROBE.format(imports=imports)], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_engine_imports_neither_textual_nor_torch():
    assert loaded_after("import backprop_tui.lang, backprop_tui.engine.trace, backprop_tui.engine") == "[]"


def test_cli_imports_neither_textual_nor_torch():
    assert loaded_after("import backprop_tui.cli") == "[]"


def test_the_circuit_layout_imports_neither_textual_nor_torch():
    modules = ", ".join(f"backprop_tui.circuit.{m}" for m in ("model", "structure", "canvas", "glyphs", "levels"))
    assert loaded_after(f"import backprop_tui.circuit, {modules}") == "[]"


def test_tui_state_and_launch_are_light():
    assert loaded_after("import backprop_tui.tui.launch, backprop_tui.tui.state, "
                        "backprop_tui.circuit") == "[]"


def test_the_network_diagram_geometry_and_plot_axes_are_pure():
    """The neuron diagram's layout, its canvas and the loss plot's axes: unit-tested without textual."""
    assert loaded_after("import backprop_tui.tui.net_layout, backprop_tui.tui.net_canvas, "
                        "backprop_tui.tui.plot_scale, backprop_tui.network.neuron, backprop_tui.network.reveal, "
                        "backprop_tui.network.region, backprop_tui.network.save") == "[]"


def test_app_does_not_import_torch():
    assert loaded_after("import backprop_tui.tui.app") == "['textual']"


HEADLESS = """
import contextlib, io, sys
from backprop_tui.cli import main
codes = []
with contextlib.redirect_stdout(io.StringIO()):
    codes.append(main(["trace", sys.argv[1], "--format", "json"]))
    codes.append(main(["trace", sys.argv[2]]))
    codes.append(main(["trace", "examples/xor.toml"]))
    codes.append(main(["train", "examples/xor.toml", "--epochs", "20", "--log-every", "10"]))
print(codes, "torch" in sys.modules)
"""


@pytest.mark.real_referee
def test_headless_trace_and_train_keep_torch_in_the_referee(tmp_path):
    """The CLI's own process never imports torch: chains, snippets, network trace and train all ask the one
    referee process."""
    chain = tmp_path / "chain.bp"
    chain.write_text("x = 1\nw = 2\ny = tanh(x*w)\n")
    snippet = tmp_path / "snippet.py"
    snippet.write_text("import torch\nx = torch.tensor(2., requires_grad=True)\ny = x*x\nprint(y)\n")
    done = subprocess.run([sys.executable, "-c", HEADLESS, str(chain), str(snippet)], capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.split("] ")[-1].strip() == "False", done.stderr[-2000:]
    assert done.stdout.startswith("[0, 0, 0, 0]"), done.stdout + done.stderr[-2000:]
