# .float() back to float32, and Python numbers that do not promote (x * 0.1 stays float32)
import torch
v = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
x = torch.tensor(0.1, requires_grad=True)
y = (v * 3).float() * 2
z = x * 0.1 + y.to(dtype=torch.float32)
gv = torch.autograd.grad(z, [v], retain_graph=True)[0]
gx = torch.autograd.grad(z, [x])[0]
print(y)
print(z)
print(z.item())
print(gv)
print(gx)
