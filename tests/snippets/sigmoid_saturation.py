# sigmoid(20) rounds to exactly 1 in float32: its gradient (1 - y)*y is 0
import torch
z = torch.tensor(20., requires_grad=True)
a = torch.sigmoid(z)
loss = -torch.log(1 - a + 1e-7)
g = torch.autograd.grad(loss, [z])[0]
print(a)
print(loss)
print(g)
