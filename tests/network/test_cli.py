"""The headless entry points: trace, train and expand documents and exit statuses."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_tui.check import torch_network
from backprop_tui.network import cli
from backprop_tui.network.cli import expand, sample_epochs, trace_network, train
from backprop_tui.network.spec import load_spec


def test_trace_json_document() -> None:
    out = io.StringIO()
    assert trace_network("examples/classic-2-2-2.toml", "json", out) == 0
    doc = json.loads(out.getvalue())
    assert doc["schema"] == "backprop-tui/1" and doc["kind"] == "network" and doc["ok"] is True
    assert doc["loss"] == pytest.approx(0.298371109, abs=1e-9)
    w2 = doc["params"]["fc2.weight"]
    assert w2["value"] == [[0.4, 0.45], [0.5, 0.55]]
    assert w2["updated"][0][0] == pytest.approx(0.35891648, abs=1e-8)
    assert np.array(w2["grad"]).shape == (2, 2)
    assert doc["params"]["fc1.bias"]["grad"] is None  # frozen
    assert doc["params"]["fc1.bias"]["updated"] == [0.35, 0.35]
    phases = [s["phase"] for s in doc["steps"]]
    assert phases[0] == "forward" and "loss" in phases and phases[-1] == "update"
    for s in doc["steps"]:
        assert set(s) >= {"index", "phase", "target", "formula", "value", "torch_value", "fd_value", "ok"}
        assert s["ok"] is True
    loss_step = next(s for s in doc["steps"] if s["phase"] == "loss")
    assert loss_step["value"] == loss_step["torch_value"] or abs(loss_step["value"] - loss_step["torch_value"]) < 1e-12
    z1 = doc["steps"][0]
    assert z1["target"] == "z1" and z1["value"][0] == pytest.approx([0.3775, 0.3925], abs=1e-15)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_trace_text_and_markdown(fmt: str) -> None:
    out = io.StringIO()
    assert trace_network("examples/iris.toml", fmt, out) == 0
    text = out.getvalue()
    assert "network 4-8-3" in text and "torch ✓" in text and "steps agree" in text
    assert "J = diag(s) − s·sᵀ" in text and "shortcut" in text
    if fmt == "markdown":
        assert "| # | phase | step | torch |" in text


def test_a_disagreement_exits_1_and_still_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    real = torch_network.network_figures

    def off(spec, params):  # type: ignore[no-untyped-def]
        fig = real(spec, params)
        fig[("loss",)] += 1e-3
        return fig

    monkeypatch.setattr(torch_network, "network_figures", off)
    out = io.StringIO()
    assert trace_network("examples/xor.toml", "json", out) == 1
    doc = json.loads(out.getvalue())
    assert doc["ok"] is False
    assert [s["target"] for s in doc["steps"] if s["ok"] is False] == ["loss"]


def test_train_text_prints_the_posts_lines() -> None:
    out = io.StringIO()
    assert train("examples/mlp-seed.toml", 300, 100, "text", out) == 0
    lines = out.getvalue().splitlines()
    epochs = [line for line in lines if line.startswith("Epoch")]
    assert [line.split(",")[0] for line in epochs] == ["Epoch [100/300]", "Epoch [200/300]", "Epoch [300/300]"]
    assert all(line.split("Loss: ")[1].count(".") == 1 and len(line.split("Loss: ")[1]) == 6 for line in epochs)
    assert "torch checked 4 epochs from the engine's weights: 4 agreed" in lines[-1]
    assert "\r" not in out.getvalue()  # not a terminal: no progress bar


def test_train_json_matches_a_torch_loop() -> None:
    out = io.StringIO()
    assert train("examples/xor.toml", 200, 50, "json", out) == 0
    doc = json.loads(out.getvalue())
    assert doc["schema"] == "backprop-tui/1" and doc["ok"] is True
    assert len(doc["losses"]) == 200
    assert doc["checks"] == {"ran": 5, "agreed": 5, "epochs": [1, 50, 100, 150, 200],
                             "max_error": doc["checks"]["max_error"]}
    spec = load_spec("examples/xor.toml")
    t_losses, t_params = torch_network.torch_loop(spec, 200)
    np.testing.assert_allclose(doc["losses"], t_losses, rtol=0, atol=1e-9)
    for name, value in doc["params"].items():
        np.testing.assert_allclose(value, t_params[name], rtol=0, atol=1e-9)
    t_final, _ = torch_network.check_epoch(spec, t_params)
    assert doc["final_loss"] == pytest.approx(t_final, abs=1e-12)
    assert doc["final_loss"] < doc["losses"][-1]


def test_train_disagreement_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    real = torch_network.check_epoch

    def off(spec, start):  # type: ignore[no-untyped-def]
        loss, params = real(spec, start)
        return loss * 1.01, params

    monkeypatch.setattr(torch_network, "check_epoch", off)
    out = io.StringIO()
    assert train("examples/xor.toml", 20, 10, "text", out) == 1
    assert "disagreed at epochs 1, 10, 20" in out.getvalue()


def test_sample_epochs() -> None:
    assert sample_epochs(1000, 100) == {1, *range(100, 1001, 100)}
    assert sample_epochs(7, 3) == {1, 3, 6, 7}


def test_train_progress_bar_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    assert train("examples/xor.toml", 100, 50, "text", out) == 0
    assert "\r[" in out.getvalue() and "100/100" in out.getvalue()


def test_expand_prints_a_program(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert expand("examples/classic-2-2-2.toml", "fc2:0", 0, out) == 0
    text = out.getvalue()
    assert "z2_0 = w_0*a1_0 + w_1*a1_1 + b" in text and "loss = " in text
    assert capsys.readouterr().err == ""


def test_stdin_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(Path("examples/xor.toml").read_text(encoding="utf-8")))
    out = io.StringIO()
    assert trace_network("-", "json", out) == 0
    assert json.loads(out.getvalue())["ok"] is True


def test_csv_data(tmp_path: Path) -> None:
    rows = ["f1,f2,label"] + [f"{i % 3 * 0.5},{(i * 7) % 5 * 0.25},{i % 2}" for i in range(12)]
    (tmp_path / "points.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "net.toml").write_text('[network]\nsizes = [2, 3, 2]\nactivation = "tanh"\noutput = "identity"\n'
                                       'loss = "cross_entropy"\nlr = 0.1\n[data]\ncsv = "points.csv"\n',
                                       encoding="utf-8")
    spec = load_spec(str(tmp_path / "net.toml"))
    assert spec.x.shape == (12, 2) and list(spec.labels[:3]) == [0, 1, 0]
    assert trace_network(str(tmp_path / "net.toml"), "json", io.StringIO()) == 0


def test_module_entry_point_runs_headless() -> None:
    done = subprocess.run([sys.executable, "-m", "backprop_tui.network.cli", "expand", "examples/xor.toml",
                           "--neuron", "fc1:1", "--row", "3"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "a1_1 = tanh(z1_1)" in done.stdout


def test_headless_modules_import_neither_torch_nor_textual() -> None:
    code = ("import sys\nimport backprop_tui.network.spec, backprop_tui.network.engine, backprop_tui.network.data\n"
            "import backprop_tui.network.expand, backprop_tui.network.report, backprop_tui.network.cli\n"
            "print('torch' in sys.modules, 'textual' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_cli_main_parses_arguments() -> None:
    assert cli.main(["trace", "examples/classic-2-2-2.toml", "--format", "json"]) == 0


def test_big_step_arrays_are_elided_in_json(monkeypatch: pytest.MonkeyPatch) -> None:
    from backprop_tui.network import report

    monkeypatch.setattr(report, "STEP_ARRAY_LIMIT", 3)
    out = io.StringIO()
    assert trace_network("examples/classic-2-2-2.toml", "json", out) == 0
    doc = json.loads(out.getvalue())
    z1 = doc["steps"][0]
    assert z1["shape"] == [1, 2] and z1["value"][0] == pytest.approx([0.3775, 0.3925]) and "elided" not in z1
    w = next(s for s in doc["steps"] if s["phase"] == "update" and s["target"] == "fc2.weight")
    assert w["elided"] is True and w["value"] is None and w["shape"] == [2, 2]
    assert len(doc["params"]["fc2.weight"]["updated"]) == 2  # params stay complete


def test_a_diverging_run_reports_in_e_notation() -> None:
    from backprop_tui.network.report import epoch_line, loss_text

    assert epoch_line(5, 10, 0.69314718) == "Epoch [5/10], Loss: 0.6931"
    assert loss_text(1.5e200) == "1.5000e+200"
