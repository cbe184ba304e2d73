"""The losses as torch's classes compute them: nn.CrossEntropyLoss of any output (softmax: the double
softmax), nn.BCEWithLogitsLoss; and the TOML softmax + cross_entropy, the NLL of the probabilities, saying so."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from backprop_tui.check.torch_network import check_epoch, check_trace
from backprop_tui.network.engine import trace, train
from backprop_tui.network.formulas import loss_formula
from tests.network.helpers import make_spec
from tests.network.test_expand_and_data import _agrees_with_matrix

PAIRS = [(out, loss) for loss in ("cross_entropy_logits", "bce_with_logits")
         for out in ("identity", "softmax", "sigmoid", "relu", "tanh")]


def _loss_text(spec) -> str:
    return loss_formula(spec.loss, spec.output, f"a{spec.layers}")


@pytest.mark.parametrize(("output", "loss"), PAIRS)
def test_every_step_agrees_with_torch(output: str, loss: str) -> None:
    spec = make_spec([3, 4, 3], "tanh", output, loss, rows=5, seed=2)
    assert check_trace(trace(spec)).ok
    losses, params = train(spec, 1)
    t_loss, t_params = check_epoch(spec, spec.params)
    assert abs(losses[0] - t_loss) <= 1e-12
    for name, p in params.items():
        np.testing.assert_allclose(p, t_params[name], rtol=1e-12, atol=1e-15)


def test_the_double_softmax_is_log_softmax_of_the_softmax() -> None:
    spec = make_spec([2, 3], "relu", "softmax", "cross_entropy_logits", rows=4, seed=1)
    tr = trace(spec)
    z = torch.from_numpy(tr.arrays[0])
    want = F.cross_entropy(torch.softmax(z, dim=1), torch.from_numpy(spec.labels)).item()
    assert tr.loss == pytest.approx(want, rel=1e-15)
    assert "softmax is applied twice, as torch computes it" in _loss_text(spec)
    plain = make_spec([2, 3], "relu", "softmax", "cross_entropy", rows=4, seed=1)
    assert trace(plain).loss < tr.loss  # the NLL of the probabilities is the textbook loss, lower here
    assert "the NLL of the probabilities a1: torch's nll_loss(log a1, y)" in _loss_text(plain)


def test_bce_with_logits_is_torchs_stable_form_at_saturation() -> None:
    spec = make_spec([2, 1], "relu", "identity", "bce_with_logits", rows=3, seed=0)
    big = spec.with_params({"fc1.weight": np.array([[40.0, -40.0]]), "fc1.bias": np.array([0.0])})
    tr = check_trace(trace(big))
    assert tr.ok and np.isfinite(tr.loss)


@pytest.mark.parametrize("output", ["softmax", "identity", "sigmoid"])
@pytest.mark.parametrize("loss", ["cross_entropy_logits", "bce_with_logits"])
def test_a_neuron_as_a_chain_program_agrees(output: str, loss: str) -> None:
    spec = make_spec([3, 4, 2], "relu", output, loss, rows=3, seed=5)
    for layer, unit in ((1, 1), (2, 1)):
        _agrees_with_matrix(spec, layer, unit, 2)
