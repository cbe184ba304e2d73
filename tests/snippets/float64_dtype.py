# the same chain in float64 (dtype=): the gradient survives, 0.0824461...
import torch
w = torch.tensor(10., requires_grad=True, dtype=torch.float64)
h = torch.tanh(w)
y = 10000000 * h
g = torch.autograd.grad(y, [w])[0]
print(h)
print(g)
print(g.item())
