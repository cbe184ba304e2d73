"""source_text's walks give what ast.walk gives: the names (in its order) and the assignments."""

from __future__ import annotations

import ast

from backprop_tui.lang.source_text import assignments_in, names_in

TEXT = """
import torch
x = torch.tensor(1., requires_grad=True)
lr = 0.1
y = -x * 2 + torch.exp(x.double()) - (x ** 2).tanh() / f(a, b=c)[0]
for step in range(3):
    loss = (y - x) ** 2
    loss.backward()
    with torch.no_grad():
        x -= lr * x.grad
        z = x + 1
    w = [u for u in v if u]
print(f"{loss.item()}", x.grad)
"""


def test_names_in_ast_walks_order():
    tree = ast.parse(TEXT)
    for node in [tree, *ast.walk(tree)]:
        assert names_in(node) == [n for n in ast.walk(node) if isinstance(n, ast.Name)]


def test_assignments_in_ast_walks_order():
    tree = ast.parse(TEXT)
    for node in [tree, *tree.body]:
        assert assignments_in(node) == [n for n in ast.walk(node) if isinstance(n, ast.Assign)]
    assert [a.targets[0].id for a in assignments_in(tree)] == ["x", "lr", "y", "loss", "w", "z"]
