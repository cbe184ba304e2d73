# fault 1: exp(300) overflows float32, so r = inf/inf = nan, and so is its gradient
import torch
a = torch.tensor(300., requires_grad=True)
b = torch.tensor(301., requires_grad=True)
r = torch.exp(a) / torch.exp(b)
g = torch.autograd.grad(r, [a])[0]
print(r)
print(g)
