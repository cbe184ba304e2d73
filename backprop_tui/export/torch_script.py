"""A chain program as a runnable PyTorch script (float64), for the post's readers to run and edit.

The script makes one tensor per leaf (`requires_grad=True` unless the leaf is `const(...)`), rebuilds every
statement with torch ops, asks `torch.autograd.grad` for the gradient of the output with respect to every
name that needs one, and prints the values in source order and the gradients in the trace's backward order
(reverse source order), each under the tool's own name. Nothing in it is a precomputed number except the
leaves and the constants the program itself writes. Names become identifiers by export.names.
"""

from __future__ import annotations

from backprop_tui import __version__
from backprop_tui.errors import BadInput
from backprop_tui.export.names import identifiers
from backprop_tui.lang.expr import Expr, Num, Ref
from backprop_tui.lang.program import Program

RESERVED = frozenset({"torch", "wrt", "grads", "label", "tensor", "grad"})
CALLS = {fn: f"torch.{fn}" for fn in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin", "cos", "tan",
                                       "square")}
CALLS["softplus"] = "torch.nn.functional.softplus"
BINARY = {"add": (" + ", 1), "sub": (" - ", 1), "mul": (" * ", 2), "div": (" / ", 2)}
ATOM = 9


def chain_script(program: Program, source: str) -> str:
    """The script's text; BadInput for an operation torch has no counterpart for here (none today), and for a
    PyTorch script with backward passes (it is torch code already: its own file runs as it is)."""
    if getattr(program, "script", None):
        from backprop_tui.errors import BadInput

        raise BadInput("this file is a PyTorch script with backward(), loops or updates: it is torch code "
                       "already (run it with python); export rebuilds a chain or a snippet without backward()")
    names = program.names
    ident = identifiers(names, RESERVED)
    requires: dict[str, bool] = {}
    for a in program.assignments:
        requires[a.name] = (not a.constant) if a.is_leaf else any(requires[n] for n in a.reads)
    out = [f'"""{program.output} and its gradients, rebuilt in plain PyTorch (float64) from {_doc(source)}.',
           "",
           f"Written by backprop-tui {__version__} (`backprop-tui export --to torch`). Every gradient comes from",
           "torch.autograd.grad; edit a leaf's number below and run it again: python THIS_FILE.py",
           '"""', "", "import torch", "", "torch.set_default_dtype(torch.float64)", ""]
    renamed = [f"#   {ident[n]} is {n}" for n in names if ident[n] != n]
    if renamed:
        out += ["# names that are not Python identifiers are spelled in ASCII here:", *renamed, ""]
    out.append("# the leaves (edit these numbers)")
    for a in program.assignments:
        if a.is_leaf:
            value = repr(float(a.expr.value))  # type: ignore[union-attr]
            grad = "" if a.constant else ", requires_grad=True"
            note = "  # const(...): no gradient, like requires_grad=False" if a.constant else ""
            out.append(f"{ident[a.name]} = torch.tensor({value}{grad}){note}")
    out += ["", "# the program, with torch ops"]
    for a in program.assignments:
        if not a.is_leaf:
            out.append(f"{ident[a.name]} = {_python(a.expr, ident, a.name)}")
    out += ["", "print('forward values (source order)')"]
    out += [f"print({a.name + ' ='!r}, {ident[a.name]}.item())" for a in program.assignments]
    out += _gradients(program, ident, requires)
    return "\n".join(out) + "\n"


def _gradients(program: Program, ident: dict[str, str], requires: dict[str, bool]) -> list[str]:
    of = program.output
    backward = [a.name for a in reversed(program.assignments)]  # the trace's backward order
    out = ["", f"print('gradients d{of}/dname (the trace\\'s backward order)')"]
    if not requires[of]:
        return out + [f"print({'grad(' + n + '): none (' + of + ' is computed from constants only)'!r})"
                      for n in backward]
    out += ["# every name in the trace's backward order; None: a constant (no requires_grad), so no gradient",
            "wrt = {"]
    out += [f"    {n!r}: {ident[n] if requires[n] else 'None'}," for n in backward]
    out += ["}",
            f"grads = iter(torch.autograd.grad({ident[of]}, [tensor for tensor in wrt.values() if tensor is not None],",
            "                                 allow_unused=True))",
            "for label, tensor in wrt.items():",
            "    if tensor is None:",
            "        print(f'grad({label}): none (no requires_grad)')",
            "        continue",
            "    grad = next(grads)  # None: " + of + " does not depend on it (torch's way of saying 0)",
            "    print(f'grad({label}) =', 0.0 if grad is None else grad.item())"]
    return out


def _doc(source: str) -> str:
    return source.replace('"""', "'''").replace("\\", "\\\\")


def _python(expr: Expr, ident: dict[str, str], name: str) -> str:
    try:
        return _render(expr, ident)[0]
    except RecursionError:
        raise BadInput(f"{name}: the expression is too deeply nested to write as one Python line; export with "
                       "--atomic (one operation per line)") from None


def _render(node: Expr, ident: dict[str, str]) -> tuple[str, int]:
    """Python source with only the parentheses Python needs (precedence: + - 1, * / 2, unary - 3, ** 4)."""
    if isinstance(node, Ref):
        return ident[node.name], ATOM
    if isinstance(node, Num):
        text = repr(float(node.value))
        return (f"({text})", ATOM) if text.startswith("-") else (text, ATOM)
    args = [_render(a, ident) for a in node.args]
    if node.op in BINARY:
        sign, prec = BINARY[node.op]
        (left, lp), (right, rp) = args
        return f"{_wrap(left, lp < prec)}{sign}{_wrap(right, rp <= prec)}", prec
    if node.op == "neg":
        text, p = args[0]
        return f"-{_wrap(text, p <= 3)}", 3
    if node.op == "pow":
        (base, bp), (exp, ep) = args
        return f"{_wrap(base, bp != ATOM)} ** {_wrap(exp, ep != ATOM)}", 4
    if node.op == "softmax":
        inner = ", ".join(text for text, _ in args)
        return f"torch.softmax(torch.stack([{inner}]), dim=0)[{node.index}]", ATOM
    if node.op in CALLS:
        return f"{CALLS[node.op]}({args[0][0]})", ATOM
    raise BadInput(f"export: no torch counterpart is written for the operation {node.op!r}")


def _wrap(text: str, needed: bool) -> str:
    return f"({text})" if needed else text
