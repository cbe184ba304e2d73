"""The torch-snippet dialect: the PyTorch learners write, read as a program without ever running it.

A safe subset of PyTorch Python, parsed with `ast` and accepted by a whitelist walk (iterative: a
10,000-term sum is a loop, not 10,000 stack frames). Nothing the user wrote is evaluated, executed or
compiled. Accepted:

    import torch                       (also `import torch.autograd`, `import torch.nn.functional as F`,
                                        `from torch.autograd import grad`)
    x = torch.tensor(1.)               a leaf without gradient: a constant
    w = torch.tensor(2., requires_grad=True[, dtype=torch.float64])     (or .requires_grad_())
    y = x*w + torch.exp(b) - w.tanh()  arithmetic + - * / **, unary minus, torch.<fn>(t), t.<fn>()
    g = torch.autograd.grad(y, [w], retain_graph=True, allow_unused=True)[0]   a query
    print(y)                           what torch would print

and the backward idiom, which makes the program a script (lang.script: its events in order):

    y.backward()  y.backward(retain_graph=True)     a backward pass: every leaf's .grad accumulates
    print(x.grad, x.grad.item(), y.item())          several values, strings, f-strings, numbers
    x.grad.zero_()   x.grad = None                  resets
    lr = 0.05                                       Python number variables (folded where read)
    for step in range(N):                           unrolled; names assigned in it become loss@0, loss@1, …
    with torch.no_grad():                           around in-place updates of leaves:
        w -= lr * w.grad                            (also w.sub_(...), w.data -= ...)
    z = y.detach()   y.retain_grad()   print(torch.autograd.grad(y, [x])[0])

What torch itself would refuse (a query on a constant, an unused input without allow_unused=True, a
second backward through a freed graph, a backward on a non-scalar, an in-place update of a leaf outside
no_grad) is refused here with torch's own words, at the line and column of the call (lang.snippet_torch,
lang.snippet_grads); what torch only warns about is followed as torch follows it, with its warning.
"""

from __future__ import annotations

import ast
import sys
import threading
import warnings

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.parse_errors import plain_syntax_message, too_deep
from backprop_tui.lang.program import Program
from backprop_tui.lang.snippet_script import Script
from backprop_tui.lang.snippet_torch import TORCH_OF_NO_GRAD, TORCH_TWICE, TORCH_UNUSED, TORCH_WRT_NO_GRAD

__all__ = ["TORCH_OF_NO_GRAD", "TORCH_TWICE", "TORCH_UNUSED", "TORCH_WRT_NO_GRAD", "parse_snippet"]

_THREAD_STACK = 512 * 1024 * 1024  # ast construction recurses once per operator of a long sum
_RECURSION_LIMIT = 200_000
_DIRECT_PARSE_CHARS = 4000  # shorter texts cannot nest deep enough to need the big stack


def parse_snippet(text: str, output: str | None = None) -> Program:
    """Parse the torch snippet dialect; raises BadInput naming line and column. Never runs the text."""
    text = text.replace("\r\n", "\n").removeprefix("\ufeff")
    tree = _parse_ast(text)
    limits.check("STATEMENTS", len(tree.body), "the number of statements", "split the program")
    return _Reader(text).read(tree, output)


# -- ast.parse, safely ------------------------------------------------------------------------------
def _parse_ast(text: str) -> ast.Module:
    if len(text) <= _DIRECT_PARSE_CHARS:
        return _ast_or_bad(text)
    result: dict[str, object] = {}

    def work() -> None:
        try:
            result["tree"] = _ast_or_bad(text)
        except BadInput as err:
            result["error"] = err

    old_limit = sys.getrecursionlimit()
    try:
        old_size = threading.stack_size(_THREAD_STACK)
    except (ValueError, RuntimeError):  # the platform refuses a big stack: parse here, with its limits
        return _ast_or_bad(text)
    try:
        sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
        worker = threading.Thread(target=work, name="snippet-parse")
        worker.start()
        worker.join()
    except RuntimeError:
        sys.setrecursionlimit(old_limit)
        return _ast_or_bad(text)
    finally:
        sys.setrecursionlimit(old_limit)
        threading.stack_size(old_size)
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["tree"]  # type: ignore[return-value]


def _ast_or_bad(text: str) -> ast.Module:
    lines = text.split("\n")
    try:
        with warnings.catch_warnings():  # SyntaxWarning ("is" with a literal, ...) would print to stderr
            warnings.simplefilter("ignore")
            return ast.parse(text, "<snippet>", "exec")
    except SyntaxError as err:
        line = err.lineno or None
        source = lines[line - 1] if line and line <= len(lines) else None
        msg, col = plain_syntax_message(err.msg, text, line)
        raise BadInput(f"syntax error: {msg}", line, col or err.offset or None, source) from None
    except (RecursionError, MemoryError):
        raise too_deep(text) from None
    except ValueError as err:  # null bytes, or an integer too long to convert
        raise BadInput(f"cannot parse the snippet: {plain_syntax_message(str(err), text, None)[0]}") from None




class _Reader(Script):
    """The whole dialect: loops and no_grad blocks (lang.snippet_script), numbers, prints and views
    (lang.snippet_values), the backward idiom (lang.snippet_grads), statements (lang.snippet_statements),
    expressions and calls (lang.snippet_exprs), torch's graph and refusals (lang.snippet_torch)."""
