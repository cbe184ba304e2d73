# a negative base to a constant exponent: torch computes it (-0.125, gradient -0.1875)
import torch
a = torch.tensor(-2., requires_grad=True)
b = torch.tensor(-3.)
c = a ** b
k = b * 1
d = a ** k + a ** -3
g = torch.autograd.grad(c, [a], retain_graph=True)[0]
h = torch.autograd.grad(d, [a])[0]
print(c)
print(g)
print(h)
