"""Example programs the app ships: the blog post's chain and snippet, and a few classic circuits."""

from __future__ import annotations

from dataclasses import dataclass

SEED_CHAIN = """\
# The chain from the blog post: y2 = (x*w1 + b1)*w2 + b2
x = 1
w1 = 2
b1 = 1
w2 = 2
b2 = 1
y1 = x*w1 + b1
y2 = y1*w2 + b2
"""

# The post's own PyTorch code, unchanged (a copy of ../shared/acceptance/seed_snippet.py).
SEED_SNIPPET = """\
import torch
# import torch.autograd
x =torch.tensor(1.)
w1 = torch.tensor(2.,requires_grad=True)
b1 = torch.tensor(1.)
w2 = torch.tensor(2.,requires_grad=True)
b2 = torch.tensor(1.)

y1 = x*w1+b1
y2 = y1*w2+b2

dy2_dy1 = torch.autograd.grad(y2,[y1],retain_graph=True)[0]
dy1_dw1 = torch.autograd.grad(y1,[w1],retain_graph=True)[0]

dy2_dw1 = torch.autograd.grad(y2,[w1],retain_graph=True)[0]

print(dy2_dy1)
print(dy1_dw1)
print(dy2_dw1)
"""

CS231N = """\
# CS231n's first circuit: f = (x + y)*z
x = -2
y = 5
z = -4
q = x + y
f = q*z
"""

SIGMOID_NEURON = """\
# A sigmoid neuron: out = sigmoid(w0*x0 + w1*x1 + b); the inputs are data (no gradient)
x0 = const(-1)
x1 = const(-2)
w0 = 2
w1 = -3
b = -3
n = w0*x0 + w1*x1 + b
out = sigmoid(n)
"""

CS231N_SIGMOID = """\
# CS231n's sigmoid neuron, written out: f = 1/(1 + exp(-(w0*x0 + w1*x1 + w2)))
# press g for the gate level: the ×, +, −x, exp, +1 and 1/x gates of the lecture's drawing
w0 = 2
x0 = -1
w1 = -3
x1 = -2
w2 = -3
f = 1/(1 + exp(-(w0*x0 + w1*x1 + w2)))
"""

SOFTMAX = """\
# Softmax over three scores, then cross-entropy with class 1 as the target
z1 = 2
z2 = 1
z3 = 0.1
p1, p2, p3 = softmax(z1, z2, z3)
loss = -log(p1)
"""

FAN_OUT = """\
# Fan-out: a feeds three uses, so grad(a) is a sum of three terms
a = 3
b = 2
c = a*b
d = a + c
e = d*a
"""


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    text: str
    about: str


PRESETS: tuple[Preset, ...] = (
    Preset("seed-chain", "The post's chain", SEED_CHAIN, "y1 = x·w1 + b1, y2 = y1·w2 + b2"),
    Preset("seed-snippet", "The post's torch snippet", SEED_SNIPPET, "the same chain as PyTorch code"),
    Preset("cs231n", "CS231n circuit f=(x+y)z", CS231N, "x=-2, y=5, z=-4"),
    Preset("sigmoid", "A sigmoid neuron", SIGMOID_NEURON, "sigmoid(w·x + b)"),
    Preset("cs231n-sigmoid", "CS231n's sigmoid neuron, gate by gate", CS231N_SIGMOID,
           "1/(1 + exp(-(w·x + b))); press g for its gates"),
    Preset("softmax", "Softmax + cross-entropy", SOFTMAX, "three scores, loss = -log(p1)"),
    Preset("fan-out", "Fan-out: gradients add up", FAN_OUT, "one name used three times"),
)
BY_KEY = {p.key: p for p in PRESETS}
