# several values in one print, an autograd.grad written inside print, strings and f-strings
import torch
p = torch.tensor(0.8, requires_grad=True)
q = torch.tensor(1.25, requires_grad=True)
r = p * q + torch.exp(p)
print("dr/dp:", torch.autograd.grad(r, [p], retain_graph=True)[0])
print(f"r = {r:.4f}, r.item() = {r.item()}")
n = 3
print(n, n + 1, 2.5 * n, r)
r.backward()
print(p.grad, q.grad, f"{q.grad:.3f}")
