"""The core stays importable without the UI or torch: checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

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
