"""A neuron's scalar program agrees with the matrix figures; the built-in data sets are what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_tui.check import check_trace as check_chain
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang import parse_program
from backprop_tui.network import data as D
from backprop_tui.network.engine import full_pass, trace
from backprop_tui.network.expand import expand_neuron
from backprop_tui.network.spec import load_spec
from backprop_tui.numbers import agree
from tests.network.helpers import make_spec

CASES = [
    ("examples/classic-2-2-2.toml", 1, 0, 0), ("examples/classic-2-2-2.toml", 2, 1, 0),
    ("examples/xor.toml", 1, 3, 2), ("examples/xor.toml", 2, 0, 1),
    ("examples/mlp-seed.toml", 1, 7, 11), ("examples/mlp-seed.toml", 2, 1, 999),
    ("examples/iris.toml", 1, 2, 70), ("examples/iris.toml", 2, 2, 149),
    ("examples/spiral.toml", 1, 5, 3), ("examples/spiral.toml", 2, 15, 100), ("examples/spiral.toml", 3, 0, 7),
]


def _agrees_with_matrix(spec, layer: int, unit: int, row: int) -> None:  # type: ignore[no-untyped-def]
    e = expand_neuron(spec, layer, unit, row)
    tr = build_trace(parse_program(e.text), "loss")
    p = full_pass(spec, spec.params)
    assert agree(tr.values[e.z], float(p.zs[layer][row, unit]))
    assert agree(tr.values[e.a] if e.a in tr.values else tr.values[f"a{layer}_{unit}"],
                 float(p.acts[layer][row, unit]))
    delta = float(p.deltas[layer][row, unit])
    assert agree(tr.grads[e.z], delta), (tr.grads[e.z], delta)
    wf = f"fc{layer}.weight" in spec.freeze
    for i, w in enumerate(e.weights):
        want = None if wf else delta * float(p.acts[layer - 1][row, i])
        assert (tr.grads[w] is None) if wf else agree(tr.grads[w], want)
    if f"fc{layer}.bias" not in spec.freeze:
        assert agree(tr.grads[e.bias], delta)
    # the rows' shares add up to the batch loss
    return tr.values["loss"]


@pytest.mark.parametrize(("path", "layer", "unit", "row"), CASES)
def test_expansion_agrees_with_the_matrix_figures(path: str, layer: int, unit: int, row: int) -> None:
    _agrees_with_matrix(load_spec(path), layer, unit, row)


def test_one_row_expansion_gives_the_gradient_of_the_batch() -> None:
    spec = load_spec("examples/classic-2-2-2.toml")
    tr = trace(spec)
    e = expand_neuron(spec, 1, 1, 0)
    chain = build_trace(parse_program(e.text), "loss")
    assert agree(chain.values["loss"], tr.loss)
    for i, w in enumerate(e.weights):
        assert agree(chain.grads[w], float(tr.grads["fc1.weight"][1, i]))
    assert chain.grads["b"] is None  # fc1.bias is frozen: a const in the program


def test_shares_sum_to_the_batch_loss_and_torch_agrees_with_the_program() -> None:
    spec = make_spec([3, 4, 3], "relu", "softmax", "cross_entropy", rows=4)
    total = sum(build_trace(parse_program(expand_neuron(spec, 2, 0, r).text), "loss").values["loss"]
                for r in range(4))
    assert agree(total, trace(spec).loss)
    checked = check_chain(build_trace(parse_program(expand_neuron(spec, 1, 2, 1).text), "loss"))
    assert checked.ok


@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "bce"), ("sigmoid", "mse"), ("identity", "half_sse"),
                                              ("identity", "cross_entropy"), ("softmax", "mse")])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "identity"])
def test_expansion_every_pairing(activation: str, output: str, loss: str) -> None:
    spec = make_spec([3, 4, 2], activation, output, loss, rows=3, seed=5)
    for layer, unit in ((1, 1), (2, 1)):
        _agrees_with_matrix(spec, layer, unit, 2)


def test_expansion_with_frozen_weights() -> None:
    spec = make_spec([2, 3, 2], "tanh", "sigmoid", "half_sse", rows=2, freeze=["fc1.weight"])
    _agrees_with_matrix(spec, 1, 0, 1)
    assert "w_0 = const(" in expand_neuron(spec, 1, 0, 1).text


def test_iris_is_fishers_table() -> None:
    ds = D.iris()
    assert ds.x.shape == (150, 4) and list(np.bincount(ds.labels)) == [50, 50, 50]
    np.testing.assert_allclose(ds.x.sum(axis=0), [876.5, 458.6, 563.7, 179.9], atol=1e-9)
    np.testing.assert_allclose(ds.x[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_allclose(ds.x[34], [4.9, 3.1, 1.5, 0.2])  # Fisher's row 35 (UCI's copy had 0.1)
    np.testing.assert_allclose(ds.x[37], [4.9, 3.6, 1.4, 0.1])  # Fisher's row 38 (UCI's had 3.1, 1.5)
    np.testing.assert_allclose(ds.x[149], [5.9, 3.0, 5.1, 1.8])


def test_seeded_sets_are_reproducible_and_seed_mlp_is_learnable() -> None:
    a, b = D.seed_mlp(0), D.seed_mlp(0)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.x.shape == (1000, 10) and 350 < a.labels.sum() < 650
    assert not np.array_equal(D.seed_mlp(1).x, a.x)
    s1, s2 = D.spiral(3), D.spiral(3)
    np.testing.assert_array_equal(s1.x, s2.x)
    assert s1.x.shape == (200, 2) and np.abs(s1.x).max() < 1.5
    from backprop_tui.network.engine import train

    spec = load_spec("examples/mlp-seed.toml")
    fast = spec.__class__(**{**spec.__dict__, "lr": 0.5})
    losses, params = train(fast, 300)
    z = np.maximum(spec.x @ params["fc1.weight"].T + params["fc1.bias"], 0) @ params["fc2.weight"].T
    accuracy = np.mean((z + params["fc2.bias"]).argmax(axis=1) == spec.labels)
    assert losses[-1] < 0.35 and accuracy > 0.85


def test_xor_targets_follow_the_loss() -> None:
    spec = load_spec("examples/xor.toml")
    np.testing.assert_array_equal(spec.y[:, 0], [0, 1, 1, 0])
