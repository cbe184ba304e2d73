# the forum's question: "I called backward twice and the gradient doubled" (.grad accumulates)
import torch
x = torch.tensor(1.5, requires_grad=True)
y = 1.5 * x ** 2
y.backward(retain_graph=True)
print(x.grad)
y.backward()
print(x.grad)
print(x.grad.item())
