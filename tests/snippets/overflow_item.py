# exp(89) = 4.5e38 is past float32's largest 3.4e38: inf in print, in .item() and in the gradient
import torch
x = torch.tensor(89., requires_grad=True)
y = torch.exp(x)
g = torch.autograd.grad(y, [x])[0]
print(y)
print(y.item())
print(g)
print(g.item())
