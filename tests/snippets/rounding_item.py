# 0.1 + 0.2 in float32: .item() shows the float32 sum widened to a Python float
import torch
a = torch.tensor(0.1)
b = torch.tensor(0.2, requires_grad=True)
c = a + b
d = c * c
g = torch.autograd.grad(d, [b])[0]
print(c.item())
print(d)
print(g.item())
