# a sigmoid neuron trained for 20 steps in float32, printed with the code's own f-string format
import torch
x = torch.tensor(2.0)
y = torch.tensor(1.0)
w = torch.tensor(-0.5, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
for epoch in range(20):
    a = torch.sigmoid(w * x + b)
    loss = (a - y) ** 2
    loss.backward()
    with torch.no_grad():
        w.sub_(0.5 * w.grad)
        b.sub_(0.5 * b.grad)
    w.grad.zero_()
    b.grad.zero_()
    if_every = epoch
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
print(f"w = {w:.4f}, b = {b:.4f}")
