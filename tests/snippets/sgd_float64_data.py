# float64 parameters, updated through .data and .sub_(), a named bound, a tanh neuron
import torch
x = torch.tensor(0.7, dtype=torch.float64)
target = torch.tensor(0.25, dtype=torch.float64)
w = torch.tensor(0.3, dtype=torch.float64).requires_grad_()
num_steps = 4
lr = 0.5
for i in range(1, num_steps + 1):
    out = torch.tanh(w * x)
    loss = (out - target) ** 2
    loss.backward()
    w.data -= lr * w.grad
    w.grad = None
    print(i, loss.item(), w.item())
