# fault 2 in float32: tanh(10) rounds to exactly 1, so 1 - tanh^2 = 0 and the gradient vanishes
import torch
w = torch.tensor(10., requires_grad=True)
h = torch.tanh(w)
y = 10000000 * h
g = torch.autograd.grad(y, [w])[0]
print(h)
print(h.item())
print(g)
print(g.item())
