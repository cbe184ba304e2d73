"""What every part of the model reader shares: messages that name line and column, imported names.

Nothing here evaluates the user's text: the reader walks `ast` nodes and accepts a whitelist.
"""

from __future__ import annotations

import ast

from backprop_tui.lang.source_text import SourceText, dotted_path

# import path -> what the reader knows it as (the modules and classes a model file may import)
MODULES = {
    "torch": "torch", "torch.nn": "torch.nn", "torch.optim": "torch.optim",
    "torch.nn.functional": "torch.nn.functional",
}
DATA_LOADING = ("torch.utils.data", "torch.utils")
SUPPORTED_SHAPE = ("a model file here is: imports of torch, torch.nn (nn), torch.nn.functional (F) and torch.optim; "
                   "an nn.Module subclass (nn.Linear layers in __init__, activations in forward) or "
                   "nn.Sequential; a loss; optim.SGD(model.parameters(), lr=...); and one loop "
                   "`for epoch in range(num_epochs):` with zero_grad, backward, step and print")
NO_MINIBATCH = ("DataLoader and mini-batch loops are not supported: training here is full-batch, the whole X "
                "every epoch (outputs = model(X) inside `for epoch in range(num_epochs):`)")
NOT_CPU = "devices other than the CPU are not supported: the tool and its torch referee run on the CPU (\"cpu\")"


class Context(SourceText):
    """The text being read, the names its imports bind, and a BadInput factory with line and column."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.imports: dict[str, str] = {}  # local name -> dotted path ("nn" -> "torch.nn")

    def dotted(self, node: ast.expr) -> str | None:
        """`nn.Linear` -> "torch.nn.Linear" when the chain starts at an imported name; else None."""
        return dotted_path(node, self.imports)

    def snippet(self, node: ast.AST, limit: int = 40) -> str:
        """The node's own text, shortened, for a message (`nn.Dropout(0.5)`)."""
        try:
            text = ast.get_source_segment(self.text, node) or ast.unparse(node)
        except (ValueError, RecursionError):
            text = type(node).__name__
        text = " ".join(text.split())
        return text if len(text) <= limit else text[:limit - 1] + "…"

    # -- imports ------------------------------------------------------------------------------------
    def import_(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                self._check_module(alias.name, stmt)
                if alias.asname is None:
                    self.imports[alias.name.split(".")[0]] = alias.name.split(".")[0]
                else:
                    self.imports[alias.asname] = alias.name
            return
        module = stmt.module or ""
        if stmt.level:
            raise self.fail(f"relative imports (from {'.' * stmt.level}{module} import …) are not supported; "
                            + SUPPORTED_SHAPE, stmt)
        self._check_module(module, stmt)
        for alias in stmt.names:
            if alias.name == "*":
                raise self.fail(f"from {module} import *: import the names you use (from torch import nn)", stmt)
            self.imports[alias.asname or alias.name] = f"{module}.{alias.name}"

    def _check_module(self, name: str, stmt: ast.stmt) -> None:
        if any(name == m or name.startswith(m + ".") for m in DATA_LOADING):
            raise self.fail(f"import of {name}: " + NO_MINIBATCH, stmt)
        if name != "torch" and not name.startswith("torch."):
            raise self.fail(f"import of {name}: only torch is imported in a model file (the tool reads it, never "
                            "runs it)", stmt)
        if name not in MODULES:
            raise self.fail(f"import of {name}: not supported; " + SUPPORTED_SHAPE, stmt)


def is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def keywords(ctx: Context, call: ast.Call, allowed: tuple[str, ...], what: str) -> dict[str, ast.expr]:
    """The call's keyword arguments, refusing `**` and any name not in `allowed` (named in the message)."""
    out: dict[str, ast.expr] = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise ctx.fail(f"`**` arguments are not supported in {what}", kw.value)
        if kw.arg not in allowed:
            supported = ", ".join(f"{k}=" for k in allowed) or "none"
            raise ctx.fail(f"{what}: the keyword {kw.arg}= is not supported (supported: {supported})", kw.value)
        out[kw.arg] = kw.value
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            raise ctx.fail(f"`*` arguments are not supported in {what}", arg)
    return out
