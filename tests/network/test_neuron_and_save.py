"""A neuron's arithmetic (Mazur's figures), the substituted loss, what a step reveals, the decision map, and
saving trained parameters (TOML that reopens bit for bit, a torch script that real torch runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_tui.errors import BadInput
from backprop_tui.network.engine import full_pass, trace, train
from backprop_tui.network.formulas import loss_numbers
from backprop_tui.network.neuron import edge_name, neuron_lines, neuron_ref, unit_name, weight_ref
from backprop_tui.network.region import applies, region_map
from backprop_tui.network.reveal import Reveal
from backprop_tui.network.save import save_trained, spec_toml
from backprop_tui.network.spec import load_spec, parse_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def mazur():
    spec = load_spec(str(EXAMPLES / "classic-2-2-2.toml"))
    net = trace(spec)
    return spec, net, full_pass(spec, net.params), Reveal.of(net)


def lines(mazur, layer, unit, k=None, row=0):
    spec, net, p, reveal = mazur
    return [ln.text for ln in neuron_lines(spec, net, p, reveal, len(net.steps) if k is None else k, layer, unit, row)]


def test_names_follow_the_textbook_and_nn_linear():
    sizes = (2, 2, 2)
    assert [unit_name(sizes, 0, 0), unit_name(sizes, 1, 1), unit_name(sizes, 2, 0)] == ["x1", "h2", "o1"]
    assert unit_name((2, 16, 16, 2), 2, 2) == "h2.3"
    assert edge_name(sizes, 2, 0, 0) == "h1→o1" and weight_ref(2, 0, 0) == "fc2.weight[0,0]"  # Mazur's w5
    assert neuron_ref(2, 0) == "fc2:0"


def test_hidden_neuron_arithmetic_is_mazurs(mazur):
    text = "\n".join(lines(mazur, 1, 0))
    assert "z = Σ w·a + b = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775" in text
    assert "a = sigmoid(z) = sigmoid(0.3775) = 0.59327" in text
    assert "∂L/∂a = Σ δ·w over o1, o2 = 0.138499·0.4 + (−0.0380982)·0.5 = 0.0363503" in text
    assert "δ = ∂L/∂z = ∂L/∂a · sigmoid'(z) = 0.0363503·0.241301 = 0.00877135" in text
    assert "x1→h1   fc1.weight[0,0]  w = 0.15  → 0.149781 updated" in text
    assert "∂L/∂w = δ·x1 = 0.00877135·0.05 = 0.000438568" in text
    assert "a = 0.5932699921071872" in text  # full precision for the selected neuron


def test_output_neuron_gives_de_dw5(mazur):
    text = "\n".join(lines(mazur, 2, 0))
    assert "∂L/∂a = (a − y)/N = (0.751365 − 0.01)/1 = 0.741365" in text
    assert "δ·h1 = 0.138499·0.59327 = 0.082167" in text  # dE/dw5 = 0.082167041
    assert "h1→o1   fc2.weight[0,0]  w = 0.4  → 0.358916 updated" in text  # Mazur: 0.35891648


def test_figures_appear_only_once_the_steps_reach_them(mazur):
    after_forward = "\n".join(lines(mazur, 2, 0, k=4))
    assert "a = sigmoid(z) = sigmoid(1.10591) = 0.751365" in after_forward
    assert "δ = ∂L/∂a · f'(z): at step 8" in after_forward and "∂L/∂w: at step 9" in after_forward
    at_start = "\n".join(lines(mazur, 2, 0, k=0))
    assert "z = Σ w·a + b: at step 3" in at_start and "0.751365" not in at_start


def test_reveal_knows_the_step_of_each_figure(mazur):
    _, _net, _, reveal = mazur
    assert [reveal.step_of(f, 1) for f in ("z", "a", "grad_a", "fprime", "delta", "grad_w")] == [1, 2, 11, 12, 13, 14]
    assert reveal.step_of("loss", 0) == 5 and reveal.focus_at(9).kind == "weights"
    assert reveal.focus_at(0).kind == "start"


def test_the_loss_step_shows_its_numbers_with_its_own_normaliser(mazur):
    _spec, net, _p, _ = mazur
    assert "½·((0.751365 − 0.01)² + (0.772928 − 0.99)²) = 0.298371" in net.steps[4].formula
    a, y = np.array([[0.5, 0.25]]), np.array([[1.0, 0.0]])
    assert loss_numbers("mse", "sigmoid", a, y) == "(1/2)·((0.5 − 1)² + (0.25 − 0)²)"
    assert loss_numbers("half_sse", "sigmoid", np.vstack([a, a]), np.vstack([y, y])).startswith("(1/2)·½·(")
    assert loss_numbers("cross_entropy", "softmax", a, y) == "−(1/1)·(log 0.5)"


def test_softmax_output_neuron_says_the_shortcut():
    spec = load_spec(str(EXAMPLES / "iris.toml"))
    net = trace(spec)
    text = "\n".join(ln.text for ln in neuron_lines(spec, net, full_pass(spec, net.params), Reveal.of(net),
                                                    len(net.steps), 2, 0, 0))
    assert "J = diag(s) − s·sᵀ" in text and "δ = (s − y)/N = " in text and "/150" in text


# -- the decision map --------------------------------------------------------------------------------
def test_the_map_applies_to_two_feature_classification_only():
    assert applies(load_spec(str(EXAMPLES / "xor.toml")))
    assert not applies(load_spec(str(EXAMPLES / "classic-2-2-2.toml")))  # one row of real-valued targets
    assert not applies(load_spec(str(EXAMPLES / "iris.toml")))  # 4 features


def test_trained_xor_map_separates_the_classes():
    spec = load_spec(str(EXAMPLES / "xor.toml"))
    _, params = train(spec, 500)
    m = region_map(spec, params, 24, 8)
    assert m is not None and m.accuracy == 1.0
    assert m.predicted.shape == (16, 24) and set(np.unique(m.predicted)) == {0, 1}
    for col, half, cls in m.points:  # each data point lies on its own class's colour
        assert m.predicted[half, col] == cls
    corners = {(0, 15): 0, (23, 0): 0, (0, 0): 1, (23, 15): 1}  # (x, y): (0,0), (1,1) class 0; (0,1), (1,0) 1
    for (col, half), cls in corners.items():
        assert m.predicted[half, col] == cls


# -- saving ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["classic-2-2-2", "xor", "iris", "spiral", "mlp-seed"])
def test_saved_parameters_reopen_bit_for_bit(name, tmp_path):
    spec = load_spec(str(EXAMPLES / f"{name}.toml"))
    trained = trace(spec).updated
    toml_path, py_path = save_trained(spec, trained, str(tmp_path / "trained.toml"), 0.5)
    again = load_spec(str(toml_path))
    for k in spec.param_names:
        assert again.params[k].tobytes() == trained[k].tobytes()
    assert (again.sizes, again.activations, again.loss, again.lr, again.freeze, again.epochs) == \
        (spec.sizes, spec.activations, spec.loss, spec.lr, spec.freeze, spec.epochs)
    assert again.x.tobytes() == spec.x.tobytes() and again.y.tobytes() == spec.y.tobytes()
    assert py_path.exists()


def test_a_csv_spec_saved_elsewhere_still_finds_its_data(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pts.csv").write_text("x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    spec_path = tmp_path / "a" / "net.toml"
    spec_path.write_text('[network]\nsizes = [2, 3, 1]\noutput = "sigmoid"\nloss = "bce"\nlr = 0.5\n'
                         '[data]\ncsv = "pts.csv"\n')
    spec = load_spec(str(spec_path))
    (tmp_path / "b").mkdir()
    saved, _ = save_trained(spec, spec.params, str(tmp_path / "b" / "kept.toml"), 0.7)
    assert load_spec(str(saved)).x.tobytes() == spec.x.tobytes()


def test_diverged_parameters_are_not_saved(tmp_path):
    spec = load_spec(str(EXAMPLES / "xor.toml"))
    bad = {k: v.copy() for k, v in spec.params.items()}
    bad["fc1.weight"][0, 0] = np.nan
    with pytest.raises(BadInput, match="diverged"):
        spec_toml(spec, bad)
    with pytest.raises(BadInput, match=r"\.toml"):
        save_trained(spec, spec.params, str(tmp_path / "x.txt"), 0.5)
    assert not list(tmp_path.iterdir())


def test_the_spec_text_is_plain_toml_with_one_row_per_line():
    spec = load_spec(str(EXAMPLES / "classic-2-2-2.toml"))
    text = spec_toml(spec, spec.params)
    assert '"fc2.weight" = [\n    [0.4, 0.45],\n    [0.5, 0.55],\n]' in text
    assert 'freeze = ["fc1.bias", "fc2.bias"]' in text
    assert parse_spec(text).params["fc2.weight"][0, 0] == 0.4


@pytest.mark.parametrize("name", ["classic-2-2-2", "xor", "iris"])
def test_the_torch_script_runs_under_real_torch_with_the_same_loss(name, tmp_path):
    pytest.importorskip("torch")
    spec = load_spec(str(EXAMPLES / f"{name}.toml"))
    _, params = train(spec, 20)
    net = trace(spec.with_params(params))
    _, py_path = save_trained(spec, params, str(tmp_path / f"{name}.toml"), net.loss)
    done = subprocess.run([sys.executable, str(py_path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed = float(done.stdout.split()[-1])
    assert abs(printed - net.loss) <= 1e-12 * max(1.0, abs(net.loss))
