# .double() and .to(torch.float64): the float32 leaf 10 goes through tanh in float64; its gradient is float32
import torch
w = torch.tensor(10., requires_grad=True)
h = torch.tanh(w.double())
k = torch.tanh(w.to(torch.float64))
y = 10000000 * h + k
g = torch.autograd.grad(y, [w])[0]
print(h)
print(y)
print(g)
print(g.item())
