# .detach() cuts the graph: u's gradient flows through only one of its two uses
import torch
u = torch.tensor(3.0, requires_grad=True)
v = torch.tensor(-2.0, requires_grad=True)
k = u.detach()
y = u * k + v * u.detach()
y.backward()
print(k)
print(y)
print(u.grad, v.grad)
z = k * 2
print(z)
