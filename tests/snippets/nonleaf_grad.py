# .grad of a non-leaf is None (torch warns), unless .retain_grad() asked for it
import torch
x = torch.tensor(0.5, requires_grad=True)
h = torch.tanh(x)
h2 = torch.sigmoid(x)
h2.retain_grad()
y = h * 3 + h2
y.backward()
print(h.grad)
print(h2.grad)
print(x.grad)
