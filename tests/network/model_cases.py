"""PyTorch model files for the tests: real Python, run by real torch (tests/network/test_model_identity.py)
and read by the tool. Each is small and short (few rows, few epochs) so the suite stays fast.

The post's own code is examples/seed_mlp.py (verbatim, vendored from the acceptance folder).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POST = (ROOT / "examples" / "seed_mlp.py").read_text(encoding="utf-8")
POST_IMPORTS, POST_BODY = POST.split("class MLP", 1)
POST_BODY = "class MLP" + POST_BODY
LABELS = "[0, 1, 1, 0, 1, 0, 0, 1]"


def literal_x(rows: int = 8, width: int = 10) -> str:
    """A literal float X, rows × width, with numbers that are not float32-exact (0.1 steps)."""
    cells = [[round(((i * 7 + j * 3) % 11) / 10 - 0.5, 1) for j in range(width)] for i in range(rows)]
    return "[" + ", ".join("[" + ", ".join(repr(v) for v in row) + "]" for row in cells) + "]"


def post_with(before: str = "", between: str = "", epochs: int = 300) -> str:
    """The post's code with lines before it (after its imports) and between the model and the loop."""
    head, loop = POST_BODY.split("# 假设你有训练数据 X 和标签 y\n")
    return (POST_IMPORTS + before + f"num_epochs = {epochs}\n" + head + between
            + "# 假设你有训练数据 X 和标签 y\n" + loop)


CASES: dict[str, str] = {
    # the post's code, X and y literal and seeded, defined before the model
    "post_literal_before": post_with(f"torch.manual_seed(0)\nX = torch.tensor({literal_x()})\n"
                                     f"y = torch.tensor({LABELS})\n"),
    # the same X and y after the model: the model draws first, so the weights differ
    "post_random_after": post_with("torch.manual_seed(1)\n", "X = torch.randn(32, 10)\n"
                                   "y = torch.randint(0, 2, (32,))\n"),
    # random X before the model, labels after it
    "post_random_before": post_with("torch.manual_seed(2)\nX = torch.randn(32, 10)\n",
                                    "y = torch.randint(0, 2, (32,))\n"),
    # a renamed class and renamed attributes, other sizes, F.relu, keywords in the constructor
    "renamed": """\
import torch
from torch import nn, optim
import torch.nn.functional as F

torch.manual_seed(3)
inputs = torch.randn(20, 5)
labels = torch.randint(0, 3, (20,))


class TwoLayerNet(nn.Module):
    def __init__(self, d_in, d_hidden=8, d_out=3):
        super().__init__()
        self.hidden = nn.Linear(d_in, d_hidden)
        self.head = nn.Linear(in_features=d_hidden, out_features=d_out)

    def forward(self, inp):
        h = F.relu(self.hidden(inp))
        return self.head(h)


net = TwoLayerNet(5)
loss_fn = nn.CrossEntropyLoss()
opt = optim.SGD(net.parameters(), lr=0.1)
for step in range(60):
    opt.zero_grad()
    logits = net(inputs)
    loss = loss_fn(logits, labels)
    loss.backward()
    opt.step()
    if (step + 1) % 20 == 0:
        print('Epoch [{}/{}], Loss: {:.4f}'.format(step + 1, 60, loss.item()))
""",
    # nn.Sequential, tanh, an f-string print, a different guard, .to("cpu") and train() as no-ops
    "sequential_fstring": """\
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(4)
X = torch.rand(16, 4)
y = torch.randint(0, 2, (16,))
model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)).to("cpu")
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.05)
num_epochs = 50
model.train()
for epoch in range(num_epochs):
    outputs = model(X)
    loss = criterion(outputs, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 7 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d}/{num_epochs}: loss={loss.item():.6f}")
""",
    # a sigmoid hidden layer, lr 0.5, MSELoss on float targets, a % print
    "sigmoid_mse_percent": """\
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(5)
X = torch.randn(12, 3)
y = torch.rand(12, 2)


class Regressor(nn.Module):
    def __init__(self):
        super(Regressor, self).__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        x = torch.sigmoid(self.fc1(x))
        return self.fc2(x)


model = Regressor()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.5)
for epoch in range(1, 41):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    if epoch % 10 == 0:
        print('Epoch %d, Loss: %.5f' % (epoch, loss.item()))
""",
    # no guard: every epoch prints, the loss as Python prints a float (float32's repr differs from float64's)
    "no_guard_repr": """\
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(6)
X = torch.randn(10, 3)
y = torch.randint(0, 2, (10, 1)).float()
model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid())
criterion = nn.BCELoss()
optimizer = optim.SGD(model.parameters(), lr=0.3)
for epoch in range(6):
    outputs = model(X)
    loss = criterion(outputs, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(epoch, loss.item())
""",
    # the double-softmax mistake: torch applies log-softmax to the softmax
    "double_softmax": """\
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(7)
X = torch.randn(24, 6)
y = torch.randint(0, 3, (24,))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(5, 3)

    def forward(self, x):
        x = self.relu(self.fc1(x))
        return torch.softmax(self.fc2(x), dim=1)


model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.5)
for epoch in range(30):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 10 == 0:
        print('Epoch [{}/{}], Loss: {:.4f}'.format(epoch + 1, 30, loss.item()))
""",
    # BCEWithLogitsLoss, three layers, bias=False, zero_grad after the step, a main guard
    "logits_three_layers": """\
import torch
import torch.nn as nn
import torch.optim as optim


class Deep(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.a = nn.Linear(n, 4)
        self.b = nn.Linear(4, 4, bias=False)
        self.c = nn.Linear(4, 1)

    def forward(self, x):
        x = self.a(x).relu()
        x = torch.tanh(self.b(x))
        return self.c(x)


if __name__ == "__main__":
    torch.manual_seed(8)
    model = Deep(3)
    X = torch.randn(16, 3)
    y = torch.rand(16, 1)
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0)
    for epoch in range(25):
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if epoch % 5 == 4:
            print("epoch", epoch + 1, "loss", round(loss.item(), 5))
""",
}

REFUSED: dict[str, tuple[str, str]] = {  # name -> (file, words the message must hold)
    "adam": (POST.replace("optim.SGD(model.parameters(), lr=0.001)", "optim.Adam(model.parameters(), lr=0.001)"),
             "optim.Adam is not supported"),
    "momentum": (POST.replace("lr=0.001)", "lr=0.001, momentum=0.9)"), "momentum=0.9) is not supported"),
    "weight_decay": (POST.replace("lr=0.001)", "lr=0.001, weight_decay=1e-4)"), "weight_decay=1e-4"),
    "dataloader": (POST_IMPORTS + "from torch.utils.data import DataLoader, TensorDataset\n" + POST_BODY,
                   "DataLoader and mini-batch loops are not supported"),
    "batch_loop": (POST.replace("    outputs = model(X)", "    for xb, yb in loader:\n        outputs = model(xb)"),
                   "mini-batch"),
    "cuda": (POST.replace("model = MLP(input_size, hidden_size, output_size)",
                          "model = MLP(input_size, hidden_size, output_size).to('cuda')"), "CPU"),
    "no_zero_grad": (POST.replace("    optimizer.zero_grad()\n", ""), "zero_grad"),
    "dropout": (POST.replace("self.fc2 = nn.Linear(hidden_size, output_size)",
                             "self.fc2 = nn.Linear(hidden_size, output_size)\n        self.drop = nn.Dropout(0.5)"),
                "nn.Dropout is not supported"),
    "nll_loss": (POST.replace("nn.CrossEntropyLoss()", "nn.NLLLoss()"), "nn.NLLLoss is not supported"),
    "numpy": ("import numpy as np\n" + POST, "only torch is imported"),
    "range_step": (POST.replace("range(num_epochs)", "range(0, num_epochs, 2)"), "a step is not supported"),
    "unused_layer": (POST.replace("self.fc2 = nn.Linear(hidden_size, output_size)",
                                  "self.fc2 = nn.Linear(hidden_size, output_size)\n"
                                  "        self.fc3 = nn.Linear(2, 2)"), "self.fc3 is created"),
    "eval_block": (POST + "with torch.no_grad():\n    pred = model(X)\n", "with torch.no_grad()"),
    "backward_twice": (POST.replace("    loss.backward()\n", "    loss.backward()\n    loss.backward()\n"),
                       "backward through the graph a second time"),
    "zero_between": (POST.replace("    optimizer.zero_grad()\n    loss.backward()\n",
                                  "    loss.backward()\n    optimizer.zero_grad()\n"), "clears the gradients"),
    "y_derived": (post_with("X = torch.randn(8, 10)\ny = (X.sum(dim=1) > 0).long()\n"),
                  "a value here is a number, a data tensor"),
}
