# .grad = None and .grad.zero_(): the next backward starts afresh (None) or adds to 0
import torch
a = torch.tensor(2.0, requires_grad=True)
y = a * a * a
y.backward(retain_graph=True)
print(a.grad)
a.grad.zero_()
print(a.grad)
y.backward(retain_graph=True)
print(a.grad)
a.grad = None
print(a.grad)
y.backward()
print(a.grad)
