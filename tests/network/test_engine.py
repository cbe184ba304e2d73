"""The numpy engine against torch: every activation, output and loss pairing, shapes, batch sizes, freezing."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from backprop_tui.check.torch_network import build, check_trace, network_figures, sgd_step, torch_loop
from backprop_tui.network.engine import (
    ce_shortcut,
    full_pass,
    softmax,
    softmax_jacobian,
    trace,
    with_torch,
)
from backprop_tui.network.spec import load_spec
from tests.network.helpers import make_spec

PAIRINGS = [
    ("sigmoid", "mse"), ("sigmoid", "half_sse"), ("sigmoid", "bce"),
    ("softmax", "mse"), ("softmax", "half_sse"), ("softmax", "cross_entropy"),
    ("identity", "mse"), ("identity", "half_sse"), ("identity", "cross_entropy"),
]
ACTIVATIONS = ["relu", "sigmoid", "tanh", "identity"]


def _checked(spec):  # type: ignore[no-untyped-def]
    tr = check_trace(trace(spec))
    bad = [s.formula for s in tr.steps if not s.ok]
    assert tr.ok, bad
    return tr


@pytest.mark.parametrize(("output", "loss"), PAIRINGS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_output_and_loss_agrees_with_torch(activation: str, output: str, loss: str) -> None:
    tr = _checked(make_spec([3, 4, 3], activation, output, loss, rows=5, seed=len(activation)))
    assert len(tr.torch_arrays) == len(tr.steps)
    assert all(s.ok is True for s in tr.steps)


SHAPES = [([1, 1], 1), ([2, 2, 2], 1), ([4, 7, 5, 3], 2), ([5, 3, 1], 17), ([6, 8, 8, 8, 2], 64), ([3, 2], 9)]


@pytest.mark.parametrize(("sizes", "rows", "output", "loss"), [
    (sizes, rows, output, loss) for sizes, rows in SHAPES
    for output, loss in [("sigmoid", "bce"), ("identity", "cross_entropy"), ("softmax", "mse")]
    if sizes[-1] >= 2 or output == "sigmoid"])
def test_shapes_and_batch_sizes(sizes: list[int], rows: int, output: str, loss: str) -> None:
    hidden = len(sizes) - 2
    acts = ["tanh", "relu", "sigmoid"][:hidden] if hidden <= 3 else "tanh"
    tr = _checked(make_spec(sizes, acts, output, loss, rows=rows, seed=rows))
    for name in tr.spec.param_names:
        assert tr.params[name].shape == tr.grads[name].shape == tr.updated[name].shape


def test_soft_targets_for_cross_entropy() -> None:
    _checked(make_spec([3, 4, 3], "relu", "softmax", "cross_entropy", rows=4, labels=False))
    _checked(make_spec([3, 4, 3], "relu", "identity", "cross_entropy", rows=4, labels=False))


def test_classic_worked_example_figures() -> None:
    """The textbook 2-2-2 example: its published loss and updated weights."""
    tr = _checked(load_spec("examples/classic-2-2-2.toml"))
    assert tr.loss == pytest.approx(0.298371109, abs=1e-9)
    w2 = tr.updated["fc2.weight"]
    assert w2[0, 0] == pytest.approx(0.35891648, abs=1e-8)
    assert w2[0, 1] == pytest.approx(0.408666186, abs=1e-9)
    assert w2[1, 0] == pytest.approx(0.511301270, abs=1e-9)
    assert w2[1, 1] == pytest.approx(0.561370121, abs=1e-9)
    w1 = tr.updated["fc1.weight"]
    assert w1[0, 0] == pytest.approx(0.149780716, abs=1e-9)
    assert w1[1, 1] == pytest.approx(0.29950229, abs=1e-8)


def test_a_wrong_engine_figure_is_caught() -> None:
    tr = trace(make_spec([2, 3, 2], "tanh", "sigmoid", "mse", rows=2))
    fig = network_figures(tr.spec, tr.params)
    key = ("grad", "fc1.weight")
    fig[key] = fig[key] + 1e-6
    checked = with_torch(tr, fig)
    assert not checked.ok
    bad = [s.target for s in checked.steps if s.ok is False]
    assert bad == ["fc1.weight"]


def test_frozen_parameters() -> None:
    spec = make_spec([3, 4, 2], "tanh", "sigmoid", "mse", rows=3, freeze=["fc1.weight", "fc2.bias"])
    tr = _checked(spec)
    assert tr.grads["fc1.weight"] is None and tr.grads["fc2.bias"] is None
    assert tr.grads["fc1.bias"] is not None
    np.testing.assert_array_equal(tr.updated["fc1.weight"], spec.params["fc1.weight"])
    np.testing.assert_array_equal(tr.updated["fc2.bias"], spec.params["fc2.bias"])
    assert not np.array_equal(tr.updated["fc2.weight"], spec.params["fc2.weight"])


def test_frozen_first_layer_leaves_it_untracked_as_torch_does() -> None:
    spec = make_spec([3, 4, 2], "relu", "identity", "cross_entropy", rows=3, freeze=["fc1.weight", "fc1.bias"])
    tr = _checked(spec)
    none_targets = {s.target for s, a in zip(tr.steps, tr.arrays, strict=True) if a is None}
    assert none_targets == {"a1", "z1", "fc1.weight", "fc1.bias"}


def test_everything_frozen() -> None:
    spec = make_spec([2, 2, 1], "tanh", "sigmoid", "bce", rows=2,
                     freeze=["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
    tr = _checked(spec)
    for name in spec.param_names:
        np.testing.assert_array_equal(tr.updated[name], spec.params[name])


def test_softmax_jacobian_against_torch_and_its_form() -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(size=(5, 4)) * 3
    s = softmax(z)
    J = softmax_jacobian(s)
    tj = torch.func.vmap(torch.func.jacrev(lambda v: torch.softmax(v, 0)))(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(J, tj, rtol=1e-12, atol=1e-15)
    for n in range(5):
        np.testing.assert_allclose(J[n], np.diag(s[n]) - np.outer(s[n], s[n]), atol=0)
    np.testing.assert_allclose(J.sum(axis=2), 0.0, atol=1e-15)  # each row of J sums to 0
    np.testing.assert_allclose(J, np.transpose(J, (0, 2, 1)), atol=0)  # symmetric


def test_softmax_cross_entropy_shortcut_equals_the_jacobian_route() -> None:
    spec = make_spec([3, 5, 4], "tanh", "softmax", "cross_entropy", rows=6)
    tr = _checked(spec)
    z_steps = [(s, a) for s, a in zip(tr.steps, tr.arrays, strict=True)
               if s.phase == "backward" and s.target == f"z{spec.layers}"]
    assert len(z_steps) == 2
    (via_j, a1), (cut, a2) = z_steps
    assert "J·" in via_j.formula and "shortcut" in cut.formula
    np.testing.assert_allclose(a1, a2, rtol=1e-12, atol=1e-15)
    p = full_pass(spec, spec.params)
    s = p.acts[-1]
    np.testing.assert_allclose(ce_shortcut(s, spec.y), (s - spec.y) / len(s), atol=1e-16)


def test_written_out_sgd_step_is_torch_optim_sgd() -> None:
    spec = make_spec([3, 4, 2], "relu", "identity", "cross_entropy", rows=5, freeze=["fc1.bias"])
    a, b = build(spec, spec.params), build(spec, spec.params)
    x = torch.from_numpy(spec.x)
    labels = torch.from_numpy(spec.labels)
    for model in (a, b):
        torch.nn.functional.cross_entropy(model.fc2(torch.relu(model.fc1(x))), labels).backward()
    sgd_step(a, spec.lr)
    torch.optim.SGD([p for p in b.parameters() if p.requires_grad], lr=spec.lr).step()
    for (n1, p1), (_, p2) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert torch.equal(p1, p2), n1


def test_seeded_initialisation_is_nn_linear_range_and_reproducible() -> None:
    s1 = make_spec([10, 20, 2], "relu", "identity", "cross_entropy", rows=2, seed=3)
    s2 = make_spec([10, 20, 2], "relu", "identity", "cross_entropy", rows=2, seed=3)
    for name in s1.param_names:
        np.testing.assert_array_equal(s1.params[name], s2.params[name])
    assert np.abs(s1.params["fc1.weight"]).max() <= 1 / np.sqrt(10)
    assert np.abs(s1.params["fc2.weight"]).max() <= 1 / np.sqrt(20)
    assert np.abs(s1.params["fc2.weight"]).max() > 0.5 / np.sqrt(20)


@pytest.mark.parametrize(("path", "epochs"), [
    ("examples/classic-2-2-2.toml", 200), ("examples/xor.toml", 300), ("examples/iris.toml", 200),
    ("examples/spiral.toml", 100), ("examples/mlp-seed.toml", 1000),
])
def test_training_matches_a_float64_torch_loop(path: str, epochs: int) -> None:
    from backprop_tui.network.engine import train

    spec = load_spec(path)
    losses, params = train(spec, epochs)
    t_losses, t_params = torch_loop(spec, epochs)
    assert len(losses) == epochs
    np.testing.assert_allclose(losses, t_losses, rtol=0, atol=1e-9)
    for name in spec.param_names:
        np.testing.assert_allclose(params[name], t_params[name], rtol=0, atol=1e-9)
    assert losses[-1] < losses[0]  # it learns


def test_training_matches_torch_with_every_loss_and_frozen() -> None:
    from backprop_tui.network.engine import train

    for output, loss in PAIRINGS:
        spec = make_spec([3, 5, 3], "tanh", output, loss, rows=7, lr=0.3, freeze=["fc1.bias"])
        losses, params = train(spec, 50)
        t_losses, t_params = torch_loop(spec, 50)
        np.testing.assert_allclose(losses, t_losses, rtol=0, atol=1e-9, err_msg=f"{output} {loss}")
        for name in spec.param_names:
            np.testing.assert_allclose(params[name], t_params[name], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(params["fc1.bias"], spec.params["fc1.bias"])


def test_trace_after_training_uses_given_params() -> None:
    spec = load_spec("examples/xor.toml")
    from backprop_tui.network.engine import train

    _, params = train(spec, 5)
    tr = _checked(dataclasses.replace(spec, params=params))
    assert not np.array_equal(tr.params["fc1.weight"], spec.params["fc1.weight"])


def test_saturated_softmax_loss_reads_log_s_as_torch_does() -> None:
    """Training's loss for a softmax output is torch's log(softmax): the same figure, even when s underflows."""
    from backprop_tui.network.engine import train

    spec = make_spec([2, 3, 2], "tanh", "softmax", "cross_entropy", rows=4, lr=0.1)
    big = {k: v * 400 for k, v in spec.params.items()}
    losses, _ = train(dataclasses.replace(spec, params=big), 1)
    t_losses, _ = torch_loop(dataclasses.replace(spec, params=big), 1)
    assert losses[0] == pytest.approx(t_losses[0], rel=1e-9) or (np.isinf(losses[0]) and np.isinf(t_losses[0]))


def test_finite_differences_are_a_third_opinion_on_parameter_gradients() -> None:
    spec = make_spec([3, 4, 2], "tanh", "softmax", "cross_entropy", rows=4, freeze=["fc2.bias"])
    tr = trace(spec)
    got = {k[1]: fd for k, fd in zip(tr.keys, tr.fd_arrays, strict=True) if k[0] == "grad"}
    assert got["fc2.bias"] is None  # frozen: no gradient to compare
    for name in ("fc1.weight", "fc1.bias", "fc2.weight"):
        np.testing.assert_allclose(got[name], tr.grads[name], rtol=1e-5, atol=1e-8)
    assert all(fd is None for k, fd in zip(tr.keys, tr.fd_arrays, strict=True) if k[0] != "grad")
