"""torch's side of a model file (check.torch_model), in this process: the replay draws what the file would
draw, and the float32 run is torch.optim.SGD's, bit for bit."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from backprop_tui.check.kinds import Session, answer, load_handlers
from backprop_tui.check.torch_model import replay_init, train_float32

PLAN = {"statements": [
    {"op": "manual_seed", "seed": 5},
    {"op": "randn", "name": "X", "size": [4, 3], "dtype": "float32"},
    {"op": "linear", "layer": 2, "in": 2, "out": 2, "bias": True},  # created first, used second
    {"op": "linear", "layer": 1, "in": 3, "out": 2, "bias": False},
    {"op": "randint", "name": "y", "low": 0, "high": 2, "size": [4], "dtype": "int64"},
    {"op": "tensor", "name": "t", "data": [[0.1, 2], [3, 4.5]], "dtype": "float32"},
]}


def test_replay_draws_in_source_order_with_torchs_generator():
    got = replay_init(PLAN)
    torch.manual_seed(5)
    x = torch.randn(4, 3)
    second = nn.Linear(2, 2)
    first = nn.Linear(3, 2, bias=False)
    y = torch.randint(0, 2, (4,))
    assert got["tensors"]["X"] == {"data": x.tolist(), "dtype": "float32"}
    assert got["tensors"]["y"] == {"data": y.tolist(), "dtype": "int64"}
    assert got["params"]["fc2.weight"] == second.weight.tolist() and got["params"]["fc2.bias"] == second.bias.tolist()
    assert got["params"]["fc1.weight"] == first.weight.tolist() and got["params"]["fc1.bias"] == [0.0, 0.0]
    assert got["tensors"]["t"]["data"] == torch.tensor([[0.1, 2], [3, 4.5]]).tolist()  # float32's 0.1
    assert got["tensors"]["t"]["data"][0][0] != 0.1
    assert json.loads(json.dumps(got)) == got  # plain JSON, exact


@pytest.mark.parametrize(("loss", "acts", "y"), [
    ("CrossEntropyLoss", ["relu", "identity"], [0, 1, 1, 0, 2, 1]),
    ("CrossEntropyLoss", ["tanh", "softmax"], [2, 1, 0, 0, 2, 1]),
    ("MSELoss", ["sigmoid", "identity"], [[0.5, 0.1, 0.2]] * 6),
    ("BCEWithLogitsLoss", ["relu", "identity"], [[1.0, 0.0, 1.0]] * 6),
    ("BCELoss", ["relu", "sigmoid"], [[1.0, 0.0, 0.25]] * 6),
])
def test_the_float32_run_is_torch_optim_sgds(loss, acts, y):
    torch.manual_seed(11)
    l1, l2 = nn.Linear(4, 5), nn.Linear(5, 3)
    x = torch.randn(6, 4)
    params = {"fc1.weight": l1.weight.tolist(), "fc1.bias": l1.bias.tolist(),
              "fc2.weight": l2.weight.tolist(), "fc2.bias": l2.bias.tolist()}
    y_dtype = "int64" if loss == "CrossEntropyLoss" else "float32"
    run = {"model": {"layers": [{"in": 4, "out": 5, "bias": True}, {"in": 5, "out": 3, "bias": True}],
                     "activations": acts, "loss": loss, "lr": 0.3},
           "params": params, "x": x.tolist(), "y": y, "y_dtype": y_dtype, "epochs": 40, "report": [1, 2, 17, 40]}
    got = train_float32(run)["losses"]
    # the file's own loop, with the real optimizer
    fns = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
           "softmax": lambda a: torch.softmax(a, dim=1), "identity": lambda a: a}
    model = nn.Sequential(l1, l2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    criterion = getattr(nn, loss)()
    target = torch.tensor(y, dtype=torch.int64 if y_dtype == "int64" else torch.float32)
    want = []
    for epoch in range(1, 41):
        out = fns[acts[1]](l2(fns[acts[0]](l1(x))))
        loss_t = criterion(out, target)
        optimizer.zero_grad()
        loss_t.backward()
        optimizer.step()
        if epoch in (1, 2, 17, 40):
            want.append(loss_t.item())
    assert got == want


def test_the_referee_serves_the_two_model_kinds():
    assert {"model.init", "model.train32"} <= set(load_handlers())
    reply = answer({"id": 1, "kind": "model.init", "plan": PLAN}, Session())
    assert reply["ok"] and reply["init"] == json.loads(json.dumps(replay_init(PLAN)))
    assert reply["init"]["tensors"]["X"]["dtype"] == "float32"
    bad = answer({"id": 2, "kind": "model.init", "plan": {"statements": [{"op": "exec"}]}}, Session())
    assert bad["ok"] is False and "unknown plan statement" in bad["error"]
