"""A model file whose training diverges: float32 overflows epochs before float64 does. torch's float32 nan
beside a float64 run already past float32's range is a float32 effect, said on the line, not a
disagreement (issue 9's rule for snippets, on the model path); a float32 nan inside float32's range is
still one."""

from __future__ import annotations

import io
import math

import numpy as np

from backprop_tui.network.model_cli import FLOAT32_MAX, beyond_float32, train_model
from backprop_tui.network.remote import RemoteChecker
from tests.network.model_helpers import train

DIVERGING = """\
import torch
import torch.nn as nn
import torch.optim as optim

X = torch.tensor([[1.0], [2.0], [3.0]])
y = torch.tensor([[2.0], [4.0], [6.0]])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1, 1)

    def forward(self, x):
        return self.fc1(x)


torch.manual_seed(0)
model = Net()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=10)
num_epochs = 300
for epoch in range(num_epochs):
    outputs = model(X)
    loss = criterion(outputs, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 30 == 0:
        print('Epoch [{}/{}], Loss: {:.4f}'.format(epoch + 1, num_epochs, loss.item()))
"""


def test_only_float32_overflowing_is_a_float32_effect_and_exits_0() -> None:
    run = train(DIVERGING, fmt="json")
    assert run.code == 0, run.err
    doc = run.doc
    f32 = doc["model"]["float32"]
    assert doc["ok"] and doc["checks"]["ran"] == doc["checks"]["agreed"] == 11
    # python FILE prints nan from epoch 30 on; float64 is still finite at 30 and 60, inf at 90-150
    assert f32["overflowed"] == [29, 59, 89, 119, 149] and f32["beyond"] == [] and f32["differ"] == 0
    assert "the float64 run left float32's range at epoch = 10" in f32["summary"]
    lines = doc["model"]["lines"]
    assert [r["torch_line"] for r in lines] == [f"Epoch [{k}/300], Loss: nan" for k in range(30, 301, 30)]
    assert lines[0]["line"].startswith("Epoch [30/300], Loss: 3535720940598486947")
    assert all(r["ok"] for r in lines)
    assert "float32 overflowed" in lines[2]["float32_effect"] and "float32_effect" not in lines[5]


def test_the_overflow_is_said_on_the_printed_line() -> None:
    run = train(DIVERGING)
    assert run.code == 0
    assert run.lines[2].startswith("Epoch [90/300], Loss: inf   [float64 loss inf; torch float32 nan, which prints "
                                   "'Epoch [90/300], Loss: nan': float32 overflowed")
    assert run.lines[5] == "Epoch [180/300], Loss: nan"  # nan on both sides: the same line


class _NanFromTheStart:
    """torch's float32 run says nan where the float64 run is well inside float32's range: a disagreement."""

    def __new__(cls):  # type: ignore[no-untyped-def]
        checker = RemoteChecker()
        checker.model_train32 = lambda run: [math.nan for _ in run["report"]]  # type: ignore[method-assign]
        return checker


def test_a_float32_nan_inside_float32s_range_is_still_a_disagreement() -> None:
    calm = DIVERGING.replace("lr=10", "lr=0.01")
    out, err = io.StringIO(), io.StringIO()
    assert train_model("m.py", calm, None, None, "text", out, err, checker=_NanFromTheStart) == 1
    assert "BEYOND 1e-05: not accepted" in out.getvalue() and "float32 overflowed" not in out.getvalue()


def test_beyond_float32_counts_the_sum_before_the_mean_and_the_parameters() -> None:
    assert not beyond_float32(1e38, 3, None) and beyond_float32(2e38, 3, None)  # 6e38 summed: inf in float32
    assert beyond_float32(math.inf, 1, None) and beyond_float32(math.nan, 1, None)
    assert beyond_float32(1.0, 1, {"fc1.weight": np.array([[FLOAT32_MAX * 2]])})
    assert not beyond_float32(1.0, 1, {"fc1.weight": np.array([[FLOAT32_MAX]])})
