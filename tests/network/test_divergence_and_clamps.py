"""Non-finite training: the same inf, then nan, on both sides is agreement (exit 0, the divergence still
named); BCE follows torch's own clamps and says so in the formula where they bite."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from backprop_tui.network.cli import trace_network, train
from backprop_tui.network.verdict import arrays_agree

DIVERGING = """\
[network]
sizes = [1, 1]
output = "identity"
loss = "mse"
lr = 10

[params]
"fc1.weight" = [[0.5]]
"fc1.bias" = [0.0]

[data]
x = [[1.0], [2.0], [3.0]]
y = [[2.0], [4.0], [6.0]]
"""

SATURATED_BCE = """\
[network]
sizes = [1, 1]
output = "sigmoid"
loss = "bce"
lr = 0.1

[params]
"fc1.weight" = [[-46.0]]
"fc1.bias" = [0.0]

[data]
x = [[1.0], [2.61]]
y = [[1.0], [1.0]]
"""


def spec_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "net.toml"
    path.write_text(text)
    return str(path)


def test_arrays_agree_on_the_same_non_finite_figures():
    a = np.array([np.inf, np.nan, 1.0, -np.inf])
    assert arrays_agree(a, a.copy()) == (True, 0.0)
    assert not arrays_agree(a, np.array([np.inf, 1.0, 1.0, -np.inf]))[0]
    assert not arrays_agree(np.array([np.inf]), np.array([-np.inf]))[0]
    assert arrays_agree(np.array([1e300]), np.array([1e300 * (1 + 2e-16)]))[1] < 1e-15  # scaled, not 1e284


def test_divergence_in_train_agrees_with_torch_and_exits_0(tmp_path):
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning may escape
        code = train(spec_file(tmp_path, DIVERGING), 300, 30, "text", out)
    text = out.getvalue()
    assert code == 0, text
    assert "Epoch [90/300], Loss: inf" in text and "Epoch [180/300], Loss: nan" in text
    assert "torch checked 11 epochs from the engine's weights: 11 agreed" in text and "disagreed" not in text
    # the explanation is the learning warnings' one (network.warnings), the verdict this issue's
    assert "⚠ divergence · epoch 2" in text and "it became inf at epoch 77" in text


@pytest.mark.real_referee
def test_divergence_json_and_no_warning_on_stderr(tmp_path):
    path = spec_file(tmp_path, DIVERGING)
    done = subprocess.run([sys.executable, "-m", "backprop_tui", "train", path, "--epochs", "300", "--log-every",
                           "30", "--format", "json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr == ""
    doc = json.loads(done.stdout)
    assert doc["ok"] is True and doc["checks"]["ran"] == doc["checks"]["agreed"] == 11
    assert doc["final_loss"] is None  # nan: JSON has none


def test_bce_at_saturation_follows_torchs_clamps(tmp_path):
    out = io.StringIO()
    assert trace_network(spec_file(tmp_path, SATURATED_BCE), "text", out) == 0
    text = out.getvalue()
    assert "10 of 10 steps agree" in text
    assert "max(a1·(1 − a1), 1e-12)" in text  # torch's backward formula
    assert "clamped: torch's BCELoss backward divides by max(a·(1 − a), 1e-12)" in text
    assert "δ = -5.26531e-09 where the textbook's (a − y)/(N·K) = -0.5" in text
    assert "clamped: torch's BCELoss takes max(log, −100)" in text and "= 73" in text


def test_the_backward_epsilon_is_torchs_float32_constant():
    from backprop_tui.network.clamps import BCE_EPS

    assert abs(BCE_EPS - 1e-12) < 1e-19 and BCE_EPS != 1e-12  # 9.999999960041972e-13


UNDERFLOWED_SOFTMAX = """\
[network]
sizes = [2, 3, 2]
activation = "tanh"
output = "softmax"
loss = "cross_entropy"
lr = 0.1
freeze = ["fc1.bias"]

[params]
"fc1.weight" = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
"fc2.bias" = [0, 746]

[data]
x = [[0.0, 1.0], [1.0, 0.0]]
y = Y
"""


@pytest.mark.parametrize("targets", ["[0, 1]", "[[1.0, 0.0], [0.0, 1.0]]", "[[0.5, 0.5], [0.0, 1.0]]"])
def test_log_of_zero_follows_torch(tmp_path, targets):
    """A probability that underflows to 0: torch's log(0) = −inf, an inf loss, nan gradients; the engine
    follows torch's chain (not the shortcut's finite limit) and says why."""
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code = trace_network(spec_file(tmp_path, UNDERFLOWED_SOFTMAX.replace("Y", targets)), "json", out)
    doc = json.loads(out.getvalue())
    assert code == 0 and doc["ok"] is True
    shortcut = next(s for s in doc["steps"] if "shortcut" in s["formula"])
    assert "log of 0" in shortcut["formula"] and "nan" in shortcut["formula"]
