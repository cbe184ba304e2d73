"""The model reader: what it reads from a PyTorch model file, what it refuses (by name, with line and
column), and the guard and print evaluated as Python would, without running anything."""

from __future__ import annotations

import pytest

from backprop_tui.errors import BadInput
from backprop_tui.lang.torch_model import is_model_source, read_model
from backprop_tui.lang.torch_model.formats import MAX_WIDTH
from backprop_tui.lang.torch_model.loop import LOSS
from tests.network.model_cases import CASES, POST, REFUSED, post_with


def test_the_post_verbatim_is_read_as_the_post_means_it():
    plan = read_model(POST)
    assert plan.sizes == (10, 20, 2) and plan.activations == ("relu", "identity")
    assert plan.loss == "CrossEntropyLoss" and plan.lr == 0.001 and plan.class_name == "MLP"
    assert [s["op"] for s in plan.statements] == ["manual_seed", "linear", "linear"]
    assert plan.statements[0] == {"op": "manual_seed", "seed": 0, "line": 0, "implicit": True}
    assert plan.statements[1] == {"op": "linear", "layer": 1, "in": 10, "out": 20, "bias": True, "line": 7}
    assert not plan.data_defined and (plan.x_name, plan.y_name) == ("X", "y")
    assert plan.loop.var == "epoch" and plan.loop.epochs_name == "num_epochs" and not plan.epochs_defined
    (p,) = plan.prints
    shown = [e for e in range(300) if p.shows({"epoch": e, "num_epochs": 300})]
    assert shown == [99, 199, 299]
    assert p.line_for({"epoch": 99, "num_epochs": 300, LOSS: 0.69314718}) == "Epoch [100/300], Loss: 0.6931"
    assert any("torch.manual_seed(0)" in n for n in plan.notes)


def test_source_order_of_draws_is_kept():
    before = read_model(CASES["post_random_before"]).statements
    after = read_model(CASES["post_random_after"]).statements
    assert [s["op"] for s in before] == ["manual_seed", "randn", "linear", "linear", "randint"]
    assert [s["op"] for s in after] == ["manual_seed", "linear", "linear", "randn", "randint"]
    literal = read_model(CASES["post_literal_before"])
    x = next(s for s in literal.statements if s["op"] == "tensor" and s["name"] == "X")
    assert x["dtype"] == "float32" and len(x["data"]) == 8 and len(x["data"][0]) == 10
    assert literal.seed == 0 and not literal.statements[0].get("implicit")


def test_renamed_class_attributes_and_sizes():
    plan = read_model(CASES["renamed"])
    assert plan.class_name == "TwoLayerNet" and plan.model_name == "net"
    assert [layer.label for layer in plan.layers] == ["self.hidden", "self.head"]
    assert plan.sizes == (5, 8, 3) and plan.lr == 0.1 and (plan.x_name, plan.y_name) == ("inputs", "labels")
    assert plan.loop.epochs_name is None  # range(60): --epochs replaces the count


def test_sequential_tanh_and_no_ops():
    plan = read_model(CASES["sequential_fstring"])
    assert plan.class_name is None and plan.activations == ("tanh", "identity")
    assert [layer.label for layer in plan.layers] == ["model[0]", "model[2]"]
    assert any('model.to("cpu")' in n for n in plan.notes) and any("model.train()" in n for n in plan.notes)
    (p,) = plan.prints
    assert p.line_for({"epoch": 7, "num_epochs": 50, LOSS: 0.5}) == "epoch   7/50: loss=0.500000"
    assert [e for e in range(50) if p.shows({"epoch": e, "num_epochs": 50})] == [0, 7, 14, 21, 28, 35, 42, 49]


def test_percent_print_sigmoid_and_mse():
    plan = read_model(CASES["sigmoid_mse_percent"])
    assert plan.activations == ("sigmoid", "identity") and plan.loss == "MSELoss" and plan.lr == 0.5
    (p,) = plan.prints
    assert p.line_for({"epoch": 10, LOSS: 0.0877412}) == "Epoch 10, Loss: 0.08774"


def test_forward_order_not_creation_order_and_bias_false():
    plan = read_model(CASES["logits_three_layers"])
    assert plan.sizes == (3, 4, 4, 1) and plan.activations == ("relu", "tanh", "identity")
    assert [layer.bias for layer in plan.layers] == [True, False, True]
    swapped = CASES["renamed"].replace(
        "        self.hidden = nn.Linear(d_in, d_hidden)\n        self.head = nn.Linear(in_features=d_hidden, "
        "out_features=d_out)\n",
        "        self.head = nn.Linear(in_features=d_hidden, out_features=d_out)\n"
        "        self.hidden = nn.Linear(d_in, d_hidden)\n")
    plan = read_model(swapped)
    linears = [s for s in plan.statements if s["op"] == "linear"]
    assert [s["layer"] for s in linears] == [2, 1]  # created head first; forward uses hidden first


def test_the_double_softmax_warns_in_words():
    plan = read_model(CASES["double_softmax"])
    assert plan.activations[-1] == "softmax"
    (warning,) = plan.warnings
    assert "double softmax" in warning and "log_softmax(softmax(z))" in warning


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_by_name_with_line_and_column(name):
    text, words = REFUSED[name]
    with pytest.raises(BadInput) as info:
        read_model(text)
    err = info.value
    assert words in str(err), str(err)
    assert err.line is not None, str(err)


def refusal(text: str) -> str:
    with pytest.raises(BadInput) as info:
        read_model(text)
    return str(info.value)


def test_refusals_say_what_is_supported():
    adam = refusal(REFUSED["adam"][0])
    assert "optim.SGD(model.parameters(), lr=...)" in adam and "line 19" in adam
    assert "only lr=" in refusal(REFUSED["momentum"][0])


@pytest.mark.parametrize(("guard", "shown"), [
    ("epoch % 100 == 99", [99, 199]),
    ("(epoch + 1) % 150 == 0 or epoch == 0", [0, 149]),
    ("epoch < 2 and not epoch == 1", [0]),
    ("10 <= epoch < 12", [10, 11]),
])
def test_guards_are_evaluated_per_epoch_as_python_would(guard, shown):
    plan = read_model(post_with().replace("if (epoch+1) % 100 == 0:", f"if {guard}:"))
    (p,) = plan.prints
    assert [e for e in range(200) if p.shows({"epoch": e, "num_epochs": 200})] == shown


@pytest.mark.parametrize(("print_call", "why"), [
    ("print('{:>1000}'.format(loss.item()))", f"above {MAX_WIDTH}"),
    ("print('{0.real}'.format(loss.item()))", "is not supported"),
    ("print('%*d' % (5, epoch))", "`*` widths"),
    ("print(epoch ** 10 ** 10)", "** is not supported"),
    ("print(open('x'))", "calling `open`"),
    ("print(loss)", "print loss.item()"),
    ("print(X.shape)", "is not supported"),
    ("print('{} {}'.format(epoch))", "Replacement index 1"),
])
def test_prints_outside_the_whitelist_are_refused(print_call, why):
    text = POST.replace("print('Epoch [{}/{}], Loss: {:.4f}'.format(epoch+1, num_epochs, loss.item()))",
                        print_call)
    with pytest.raises(BadInput) as info:
        read_model(text)
    assert why in str(info.value)


def test_a_long_guard_is_refused_not_recursed():
    guard = " + ".join(["epoch"] * 5000)
    with pytest.raises(BadInput, match="too long"):
        read_model(POST.replace("(epoch+1) % 100 == 0", f"({guard}) % 100 == 0"))


def test_data_is_checked_against_the_model_as_torch_would():
    def refused(x: str, y: str) -> str:
        return refusal(post_with(f"X = {x}\ny = {y}\n", epochs=10))

    assert "mat1 and mat2 shapes cannot be multiplied" in refused("torch.randn(8, 9)", "torch.randint(0, 2, (8,))")
    assert "Target 5 is out of bounds" in refused("torch.randn(2, 10)", "torch.tensor([0, 5])")
    assert "expected scalar type Long" in refused("torch.randn(2, 10)", "torch.tensor([0., 1.])")
    ints = "torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9, 0]])"
    assert "mat1 and mat2 must have the same dtype" in refused(ints, "torch.tensor([0])")
    assert "one target per row" in refused("torch.randn(3, 10)", "torch.randint(0, 2, (4,))")
    assert "draws labels 0..2" in refused("torch.randn(3, 10)", "torch.randint(0, 3, (3,))")


def test_mse_broadcasting_is_named():
    text = CASES["sigmoid_mse_percent"].replace("nn.Linear(4, 2)", "nn.Linear(4, 1)").replace(
        "torch.rand(12, 2)", "torch.rand(12)")
    assert "(12, 12)" in refusal(text)


def test_detection_tells_models_from_snippets_and_chains():
    assert is_model_source(POST)
    assert is_model_source(CASES["sequential_fstring"])
    assert not is_model_source("import torch\nx = torch.tensor(1., requires_grad=True)\ny = x * 2\n")
    assert not is_model_source("# a chain that mentions nn.Module and torch in a comment\nx = 1\ny = x*2\n")
    assert not is_model_source("x = 1\ny = x * 2\n")
