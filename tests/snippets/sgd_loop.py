# a manual SGD loop: forward, backward, an update under no_grad, the gradient zeroed, 5 times
import torch
x = torch.tensor(1.5)
t = torch.tensor(3.0)
w = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
lr = 0.05
for step in range(5):
    pred = w * x + b
    loss = (pred - t) ** 2
    loss.backward()
    print(step, loss.item())
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
print(w, b)
print(w.grad, b.grad)
