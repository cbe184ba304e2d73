"""Network warnings (network.warnings) on small constructed cases, each with its figures; and where they show:
trace text and JSON, train text and JSON (the one explanation of divergence)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from backprop_tui.network.cli import run_training
from backprop_tui.network.engine import trace
from backprop_tui.network.spec import parse_spec
from backprop_tui.network.warnings import VANISHING_RATIO, divergence, trace_warnings, training_warnings
from tests.core_helpers import ROOT, run, write

DEAD_ROW = """
[network]
sizes = [2, 2, 1]
activation = "relu"
output = "identity"
loss = "mse"
lr = 0.1
[params]
"fc1.weight" = [[1.0, -1.0], [-1.0, -1.0]]
"fc1.bias" = [0.0, -0.5]
"fc2.weight" = [[1.0, 1.0]]
"fc2.bias" = [0.0]
[data]
x = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
y = [[2.0], [2.0], [0.5]]
"""

SIX_SIGMOID = """
[network]
sizes = [2, 4, 4, 4, 4, 4, 1]
activation = "sigmoid"
output = "sigmoid"
loss = "mse"
lr = 0.5
[data]
dataset = "xor"
"""

LINEAR_LR_10 = """
[network]
sizes = [1, 1]
output = "identity"
loss = "mse"
lr = 10
[params]
"fc1.weight" = [[0.5]]
"fc1.bias" = [0.0]
[data]
x = [[2.0]]
y = [[3.0]]
"""


def xor_at(lr: float):
    return parse_spec((ROOT / "examples" / "xor.toml").read_text().replace("lr = 0.5", f"lr = {lr}"))


def test_a_relu_unit_below_zero_on_every_row_is_dead_and_its_weights_never_change():
    spec = parse_spec(DEAD_ROW)
    (w,) = trace_warnings(trace(spec))
    # unit 1: z = −x₀ − x₁ − 0.5 = −1.5, −1.5, −2.5; unit 0 (z = 1, −1, 0) is positive on one row: alive
    assert w.kind == "dead_relu" and w.where == "layer 1 (a1 = relu(z1)), unit 1"
    assert w.figures == {"layer": 1, "units": [1], "max_input": [-1.5], "rows": 3}
    assert "every one of the 3 rows" in w.why and w.advice.startswith("Try a smaller learning rate")
    res = run_training(spec, 50, 10, check=False)
    assert res.params["fc1.weight"][1].tolist() == [-1.0, -1.0] and res.params["fc1.bias"][1] == -0.5
    assert res.params["fc1.weight"][0].tolist() != [1.0, -1.0]  # the live unit learned


def delta_norms_by_torch(spec) -> list[float]:
    """‖∂L/∂z_l‖ per layer from torch autograd: the referee's figures, independent of the engine."""
    a = torch.tensor(spec.x)
    zs = []
    for layer in range(1, spec.layers + 1):
        W = torch.tensor(spec.params[f"fc{layer}.weight"], requires_grad=True)
        b = torch.tensor(spec.params[f"fc{layer}.bias"], requires_grad=True)
        z = a @ W.T + b
        z.retain_grad()
        zs.append(z)
        a = torch.sigmoid(z)
    torch.nn.functional.mse_loss(a, torch.tensor(spec.y)).backward()
    return [float(z.grad.norm()) for z in zs]


def test_a_six_layer_sigmoid_net_has_vanishing_gradients():
    spec = parse_spec(SIX_SIGMOID)
    tr = trace(spec)
    (w,) = trace_warnings(tr)
    assert w.kind == "vanishing" and w.where == "δ from layer 6 back to layer 1"
    norms = delta_norms_by_torch(spec)
    assert w.figures["norms"] == pytest.approx(norms, rel=1e-9)
    assert w.figures["ratio"] == pytest.approx(norms[0] / norms[-1], rel=1e-9)
    assert 5.70e-5 < w.figures["ratio"] < 5.72e-5 < VANISHING_RATIO  # 1.75e4 times smaller
    ratios = w.figures["layer_ratios"]
    assert len(ratios) == 5 and all(0.1 < r < 0.21 for r in ratios)  # each layer back: ×0.10 to ×0.20
    assert [tr.steps[i].label for i in w.steps] == ["grad(z6)", "grad(z1)"]
    assert "fewer layers" in w.advice


def test_growing_weights_explode_across_layers():
    text = SIX_SIGMOID.replace("[2, 4, 4, 4, 4, 4, 1]", "[2, 2, 2, 2, 2]").replace('"sigmoid"', '"identity"')
    eye = "[[20.0, 0.0], [0.0, 20.0]]"
    params = "".join(f'"fc{i}.weight" = {eye}\n"fc{i}.bias" = [0.0, 0.0]\n' for i in range(1, 5))
    text = text.replace("[data]", f"[params]\n{params}[data]").replace("loss = \"mse\"", "loss = \"half_sse\"")
    w, rise = trace_warnings(trace(parse_spec(text)))
    assert w.kind == "exploding" and rise.kind == "divergence"  # and lr 0.5 overshoots at once
    assert w.figures["ratio"] == pytest.approx(20.0 ** 3, rel=1e-12)  # δ_l = W·δ_{l+1}: ×20 per layer
    assert w.figures["layer_ratios"] == pytest.approx([20.0, 20.0, 20.0], rel=1e-12)


def test_lr_10_divergence_names_the_first_epoch_the_loss_rose():
    res = run_training(xor_at(10), 200, 20, check=False)
    (w,) = training_warnings(res)
    assert w.kind == "divergence" and w.where == "epoch 2"
    f = w.figures
    assert f["lr"] == 10 and f["first_rise_epoch"] == 2 and f["nonfinite_epoch"] is None
    assert f["first_loss"] == pytest.approx(0.7311783646001468, rel=1e-12)
    assert res.losses[1] == pytest.approx(0.8624715948699821, rel=1e-12)
    assert f["final_loss"] == res.final_loss > f["first_loss"]
    assert "0.731178 → 0.862472" in w.why and "lr 1 (a tenth)" in w.advice
    assert training_warnings(run_training(xor_at(0.5), 200, 20, check=False)) == ()


def test_lr_10_on_a_linear_unit_overflows_and_one_update_already_rises():
    spec = parse_spec(LINEAR_LR_10)
    res = run_training(spec, 100, 10, check=False)
    (w,) = training_warnings(res)
    assert w.figures["first_rise_epoch"] == 2 and w.figures["nonfinite_epoch"] == 79
    assert res.losses[1] == 39204.0  # (2·80.5 + 40 − 3)² after one step from w = 0.5, b = 0
    assert not np.isfinite(res.losses[78]) and np.isfinite(res.losses[77])
    assert "became inf at epoch 79" in w.why
    tr = trace(spec)
    (one,) = trace_warnings(tr)
    assert one.kind == "divergence" and one.figures["loss_before"] == 4.0 and one.figures["loss_after"] == 39204.0
    assert tr.steps[one.steps[0]].phase == "update"


def test_divergence_rules_on_plain_loss_lists():
    assert divergence([1.0, 0.5, 0.25], 0.2, 0.1) == ()
    assert divergence([1.0, 0.5, 0.01], 0.2, 0.1)[0].figures["lowest_loss"] == 0.01  # 20× its lowest
    (w,) = divergence([1.0, 0.9], float("nan"), 3.0)
    assert w.figures["nonfinite_epoch"] == 3 and w.figures["final_loss"] is None
    assert w.where == "the end (after epoch 2)"


def test_the_classic_network_and_the_shipped_mlp_raise_nothing():
    for name in ("classic-2-2-2.toml", "mlp-seed.toml"):
        assert trace_warnings(trace(parse_spec((ROOT / "examples" / name).read_text()))) == ()


def test_warnings_in_trace_json_and_text_and_in_train(tmp_path):
    path = write(tmp_path, LINEAR_LR_10, "lin.toml")
    doc = json.loads(run(["trace", path, "--format", "json"]).out)
    assert [w["kind"] for w in doc["warnings"]] == ["divergence"]
    assert set(doc["warnings"][0]) == {"kind", "where", "figures", "message", "advice", "steps"}
    assert "⚠ divergence · the update · step 9" in run(["trace", path]).out
    text = run(["train", path, "--epochs", "100"]).out
    assert text.count("⚠ divergence") == 1 and "became inf at epoch 79" in text
    assert "overshoot" in text and "The loss diverged" not in text  # one explanation, not two
    doc = json.loads(run(["train", path, "--epochs", "100", "--format", "json"]).out)
    assert doc["warnings"][0]["figures"]["nonfinite_epoch"] == 79
    dead = write(tmp_path, DEAD_ROW, "dead.toml")
    assert "⚠ dead_relu · layer 1 (a1 = relu(z1)), unit 1 after 5 epochs" in run(["train", dead, "--epochs", "5"]).out
