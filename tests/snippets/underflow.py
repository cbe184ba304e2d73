# exp(-104) = 6.8e-46 is below float32's smallest 1.4e-45: 0, and so is the gradient
import torch
x = torch.tensor(-104., requires_grad=True)
y = torch.exp(x) * 1000
g = torch.autograd.grad(y, [x])[0]
print(y)
print(y.item())
print(g)
