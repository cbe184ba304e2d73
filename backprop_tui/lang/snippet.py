"""The torch-snippet dialect: the blog post's own code, read as a program without ever running it.

A safe subset of PyTorch Python, parsed with `ast` and accepted by a whitelist walk (iterative: a
10,000-term sum is a loop, not 10,000 stack frames). Nothing the user wrote is evaluated, executed or
compiled. Accepted:

    import torch                       (also `import torch.autograd`, `import torch.nn.functional as F`,
                                        `from torch.autograd import grad`)
    x = torch.tensor(1.)               a leaf without gradient: a constant
    w = torch.tensor(2., requires_grad=True[, dtype=torch.float64])
    y = x*w + torch.exp(b) - w.tanh()  arithmetic + - * / **, unary minus, torch.<fn>(t), t.<fn>()
    g = torch.autograd.grad(y, [w], retain_graph=True, allow_unused=True)[0]   a query
    print(y)                           what torch would print

What torch itself would refuse (a query on a constant, an unused input without allow_unused=True, a
second backward through a freed graph) is refused here with torch's own words, at the line and column
of the query. The graph-freeing rule mimics torch's engine: a call without retain_graph=True frees the
saved tensors of the graph nodes it executed (those on a path from `of` to an input); a later call that
executes a freed node which saved tensors (every op but + - and unary minus) fails.
"""

from __future__ import annotations

import ast
import bisect
import math
import sys
import threading
import warnings
from dataclasses import dataclass

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, names_read
from backprop_tui.lang.parse_errors import plain_syntax_message, too_deep
from backprop_tui.lang.program import Print, Program, Query
from backprop_tui.lang.torch_dtypes import DTYPES, SnippetProgram, cast, cast_target, expr_dtype

# torch's own words (torch 2.13), checked against real torch by tests/lang/test_snippet.py
TORCH_OF_NO_GRAD = "element 0 of tensors does not require grad and does not have a grad_fn"
TORCH_WRT_NO_GRAD = "One of the differentiated Tensors does not require grad"
TORCH_UNUSED = ("The differentiated Tensor at index {index} appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior.")
TORCH_TWICE = ("Trying to backward through the graph a second time (or directly access saved tensors after "
               "they have already been freed). Saved intermediate values of the graph are freed when you call "
               ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
               "graph a second time or if you need to access saved tensors after calling backward.")

MODULES = ("torch", "torch.autograd", "torch.nn", "torch.nn.functional")
TENSOR = "torch.tensor"
GRAD = "torch.autograd.grad"
# dotted path -> the op name the engine and the torch referee know
FUNCTIONS: dict[str, str] = {
    **{f"torch.{fn}": fn for fn in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin", "cos",
                                    "tan", "square")},
    "torch.nn.functional.softplus": "softplus",
    "torch.nn.functional.relu": "relu",
}
METHODS = ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin", "cos", "tan", "square")
NOT_SAVED = ("add", "sub", "neg")  # ops whose backward saves no tensor: freeing them is harmless
_BINARY = {ast.Add: ("add", "+"), ast.Sub: ("sub", "-"), ast.Mult: ("mul", "*"), ast.Div: ("div", "/"),
           ast.Pow: ("pow", "**")}
_THREAD_STACK = 512 * 1024 * 1024  # ast construction recurses once per operator of a long sum
_RECURSION_LIMIT = 200_000
_DIRECT_PARSE_CHARS = 4000  # shorter texts cannot nest deep enough to need the big stack

_KIND = {  # what an unsupported node is called in a message
    ast.Lambda: "lambdas", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions", ast.JoinedStr: "strings",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.Subscript: "subscripts (indexing)", ast.Attribute: "attribute access", ast.Compare: "comparisons",
    ast.BoolOp: "`and`/`or`", ast.IfExp: "conditional expressions", ast.NamedExpr: "`:=`",
    ast.Starred: "`*` unpacking", ast.Await: "`await`", ast.Yield: "`yield`", ast.YieldFrom: "`yield`",
    ast.Slice: "slices", ast.FormattedValue: "strings",
}


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


# -- the whitelist walk -----------------------------------------------------------------------------
@dataclass
class _Tensor:
    name: str
    leaf: bool
    requires: bool
    dtype: str
    node: object  # graph node: ("leaf", name) or id() of the root Op
    line: int


@dataclass
class _QueryInfo:
    label: str
    line: int


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.bindings: dict[str, str] = {}  # import name -> module or callable path
        self.tensors: dict[str, _Tensor] = {}
        self.queries: dict[str, _QueryInfo] = {}
        self.assignments: list[Assignment] = []
        self.query_list: list[Query] = []
        self.prints: list[Print] = []
        self.events: list[tuple[str, int]] = []
        self.later: dict[str, int] = {}  # every name assigned anywhere: for "used before defined"
        # the autograd graph: node -> nodes its backward feeds (Op nodes by id, leaves as ("leaf", name))
        self.children: dict[object, list[object]] = {}
        self.saves: dict[object, bool] = {}
        self.freed: set[object] = set()
        self._extra: dict[int, tuple[list[int], list[int]]] = {}  # per line: byte offsets -> extra bytes
        self._encoded: dict[int, bytes] = {}
        self.query_work = 0  # graph nodes walked by the queries so far (limits.QUERY_WORK)
        self.queried: set[str] = set()  # the outputs queried so far

    # -- helpers ------------------------------------------------------------------------------------
    def source(self, line: int | None) -> str | None:
        return self.lines[line - 1] if line and 0 < line <= len(self.lines) else None

    def col(self, line: int, byte_offset: int) -> int:
        """ast columns are UTF-8 byte offsets; messages count characters from 1."""
        text = self.source(line)
        if text is None or text.isascii():
            return byte_offset + 1
        return byte_offset - self.extra_bytes(line, byte_offset) + 1

    def extra_bytes(self, line: int, byte_offset: int) -> int:
        """How many more bytes than characters the line has before `byte_offset`: a bisection in a table
        made once per line (re-encoding the line for every node made one long line quadratic)."""
        table = self._extra.get(line)
        if table is None:
            starts, extras, extra, at = [], [], 0, 0
            for ch in self.source(line) or "":
                size = len(ch.encode("utf-8"))
                at += size
                if size > 1:
                    extra += size - 1
                    starts.append(at)
                    extras.append(extra)
            table = self._extra[line] = (starts, extras)
        starts, extras = table
        i = bisect.bisect_right(starts, byte_offset)
        return extras[i - 1] if i else 0

    def line_bytes(self, line: int) -> bytes:
        raw = self._encoded.get(line)
        if raw is None:
            raw = self._encoded[line] = (self.source(line) or "").encode("utf-8")
        return raw

    def where(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 0)
        return line, self.col(line, getattr(node, "col_offset", 0))

    def fail(self, message: str, node: ast.AST | None, hint: str | None = None) -> BadInput:
        if node is None:
            return BadInput(message, hint=hint)
        line, col = self.where(node)
        return BadInput(message, line, col, self.source(line), hint)

    def dotted(self, node: ast.expr) -> str | None:
        """`torch.autograd.grad` -> its full path when the chain starts at an imported name, else None."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.bindings:
            return None
        return ".".join([self.bindings[node.id], *reversed(parts)])

    # -- statements ---------------------------------------------------------------------------------
    def read(self, tree: ast.Module, output: str | None) -> Program:
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.later.setdefault(target.id, target.lineno)
        for stmt in tree.body:
            self.statement(stmt)
        if not self.assignments:
            raise BadInput("the snippet defines no tensors: write x = torch.tensor(1., requires_grad=True) "
                           "and compute with it")
        computed = [a.name for a in self.assignments if not a.is_leaf]
        out = output if output is not None else (computed or [self.assignments[-1].name])[-1]
        if out not in self.tensors:
            what = "is a gradient from torch.autograd.grad, not a tensor of the graph" if out in self.queries \
                else "no tensor of that name"
            raise BadInput(f"--of {out}: {what}; tensors: {', '.join(list(self.tensors)[:12])}")
        return SnippetProgram(tuple(self.assignments), out, "torch", tuple(self.query_list), tuple(self.prints),
                              tuple(self.events), dtypes={n: t.dtype for n, t in self.tensors.items()})

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import):
            self.import_(stmt)
        elif isinstance(stmt, ast.ImportFrom):
            self.import_from(stmt)
        elif isinstance(stmt, ast.Assign):
            self.assign(stmt)
        elif isinstance(stmt, ast.Expr):
            self.expression_statement(stmt)
        elif isinstance(stmt, ast.AugAssign):
            raise self.fail("augmented assignment (+=, *=, ...) changes a name; names are single-assignment: "
                            "use a new name", stmt)
        elif isinstance(stmt, ast.AnnAssign):
            raise self.fail("annotated assignments are not part of the snippet language: write name = ...", stmt)
        elif isinstance(stmt, ast.Pass):
            return
        else:
            kind = type(stmt).__name__.lower().replace("functiondef", "def").replace("classdef", "class")
            raise self.fail(f"`{kind}` statements are not part of the snippet language; it has imports of torch, "
                            "tensor assignments, torch.autograd.grad(...)[0] queries and print(name)", stmt)

    def import_(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            if alias.name not in MODULES:
                raise self.fail(f"only torch may be imported (import torch), not {alias.name}", stmt)
            if alias.asname is None:
                self.bind("torch", "torch", stmt)
            else:
                self.bind(alias.asname, alias.name, stmt)

    def import_from(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        if stmt.level or module not in MODULES:
            raise self.fail(f"only torch may be imported, not {'.' * stmt.level}{module}", stmt)
        for alias in stmt.names:
            path = f"{module}.{alias.name}"
            if alias.name == "*" or not (path in MODULES or path in FUNCTIONS or path in (TENSOR, GRAD)
                                         or path in DTYPES):
                raise self.fail(f"from {module} import {alias.name}: not part of the snippet language", stmt)
            self.bind(alias.asname or alias.name, path, stmt)

    def bind(self, name: str, path: str, stmt: ast.stmt) -> None:
        if name in self.tensors or name in self.queries:
            raise self.fail(f"`{name}` is already a tensor; an import cannot replace it", stmt)
        if name in self.bindings and self.bindings[name] != path:
            raise self.fail(f"`{name}` is already imported as {self.bindings[name]}", stmt)
        self.bindings[name] = path

    def check_target(self, stmt: ast.Assign) -> ast.Name:
        if len(stmt.targets) != 1:
            raise self.fail("only one `=` per assignment (chained assignment is not allowed)", stmt.targets[1])
        target = stmt.targets[0]
        if not isinstance(target, ast.Name):
            what = "several names" if isinstance(target, ast.Tuple | ast.List) else "that"
            raise self.fail(f"cannot assign to {what}: the left-hand side is one name", target)
        name = target.id
        if name in self.tensors or name in self.queries:
            first = self.tensors[name].line if name in self.tensors else self.queries[name].line
            raise self.fail(f"`{name}` is already assigned on line {first}; names are single-assignment "
                            f"(use a new name, such as {name}2)", target)
        if name in self.bindings:
            raise self.fail(f"`{name}` is the imported {self.bindings[name]}; choose another name", target)
        if name == "print":
            raise self.fail("`print` is a built-in; choose another name", target)
        return target

    def assign(self, stmt: ast.Assign) -> None:
        target = self.check_target(stmt)
        value = stmt.value
        if isinstance(value, ast.Call) and self.dotted(value.func) == TENSOR:
            self.leaf(target, value)
        elif isinstance(value, ast.Subscript) and isinstance(value.value, ast.Call) \
                and self.dotted(value.value.func) == GRAD:
            self.query(target, value)
        elif isinstance(value, ast.Call) and self.dotted(value.func) == GRAD:
            raise self.fail("torch.autograd.grad(...) gives a tuple: take its element, as "
                            f"{target.id} = torch.autograd.grad(...)[0]", value)
        else:
            self.computed(target, value)

    def expression_statement(self, stmt: ast.Expr) -> None:
        call = stmt.value
        if isinstance(call, ast.Constant) and isinstance(call.value, str):
            raise self.fail("strings are not allowed (not even a docstring); use # comments", call)
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
                and "print" not in self.bindings):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "backward":
                raise self.fail(".backward() is not part of the snippet language; ask for a gradient with "
                                "g = torch.autograd.grad(y, [x])[0]", call)
            self.expression(call)  # a precise complaint about what is inside, if anything
            raise self.fail("a bare expression does nothing: assign it to a name, or print(name)", stmt)
        if call.keywords or len(call.args) != 1:
            raise self.fail("print takes one name: print(y)", call)
        arg = call.args[0]
        item = isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "item" \
            and isinstance(arg.func.value, ast.Name) and not arg.args and not arg.keywords
        if item:
            arg = arg.func.value  # type: ignore[union-attr]
        if not isinstance(arg, ast.Name):
            self.expression(arg)
            raise self.fail("print takes a name: assign the expression first, then print(name) or "
                            "print(name.item())", arg)
        self.use(arg, allow_query=True)
        line, col = self.where(call)
        self.events.append(("print", len(self.prints)))
        self.prints.append(Print(arg.id, line, col, item))

    def use(self, node: ast.Name, allow_query: bool = False) -> None:
        """A name read: a tensor (or a query result, where allowed), defined above."""
        name = node.id
        if name in self.tensors:
            return
        if name in self.queries:
            if allow_query:
                return
            raise self.fail(f"`{name}` is a gradient from torch.autograd.grad; arithmetic on query results "
                            "is not part of the snippet language", node)
        if name in self.bindings:
            raise self.fail(f"`{name}` is the module {self.bindings[name]}, not a tensor", node)
        if name == "torch":
            raise self.fail("`torch` is not imported: add `import torch` at the top", node)
        if name in self.later:
            raise self.fail(f"`{name}` is used before it is defined (line {self.later[name]})", node)
        raise self.fail(f"`{name}` is not defined", node)

    # -- leaves -------------------------------------------------------------------------------------
    def leaf(self, target: ast.Name, call: ast.Call) -> None:
        if len(call.args) != 1:
            raise self.fail(f"torch.tensor takes one number here, got {len(call.args)} arguments", call)
        number, is_int = self.number(call.args[0])
        requires, dtype = False, None
        for kw in call.keywords:
            if kw.arg == "requires_grad":
                if not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool)):
                    raise self.fail("requires_grad= takes True or False", kw.value)
                requires = kw.value.value
            elif kw.arg == "dtype":
                path = self.dotted(kw.value)
                if path not in DTYPES:
                    raise self.fail("dtype= takes torch.float32 or torch.float64", kw.value)
                dtype = DTYPES[path]
            else:
                raise self.fail(f"torch.tensor(..., {kw.arg or '**'}=...): only requires_grad= and dtype= are "
                                "supported", kw.value if kw.arg is None else call)
        if is_int and dtype is None:
            raise self.fail(f"torch.tensor({int(number)}) would be an integer tensor: write {int(number)}. "
                            "for a float tensor", call.args[0])
        line, col = target.lineno, self.col(target.lineno, target.col_offset)
        arg_line, arg_col = self.where(call.args[0])
        self.assignments.append(Assignment(target.id, Num(number, arg_line, arg_col), line, col,
                                           self.source(line) or "", not requires, ()))
        node = ("leaf", target.id)
        self.children[node] = []
        self.saves[node] = False
        self.tensors[target.id] = _Tensor(target.id, True, requires, dtype or "float32", node, line)

    def number(self, node: ast.expr) -> tuple[float, bool]:
        sign, inner = 1.0, node
        while isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub | ast.UAdd):
            if isinstance(inner.op, ast.USub):
                sign = -sign
            inner = inner.operand
        if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
            return sign * self.float_of(inner), isinstance(inner.value, int)
        if isinstance(inner, ast.List | ast.Tuple):
            raise self.fail("only scalar tensors: torch.tensor takes one number here, not a list", inner)
        self.expression(inner)  # complain about anything unsafe first
        raise self.fail("torch.tensor takes a number here, such as torch.tensor(2., requires_grad=True)", inner)

    # -- queries ------------------------------------------------------------------------------------
    def query(self, target: ast.Name, sub: ast.Subscript) -> None:
        call = sub.value
        assert isinstance(call, ast.Call)
        positional = list(call.args)
        if any(isinstance(a, ast.Starred) for a in positional):
            raise self.fail("`*` unpacking is not allowed", call)
        if len(positional) > 2:
            raise self.fail("torch.autograd.grad(of, [inputs], ...): pass the other options by keyword",
                            positional[2])
        options: dict[str, ast.expr] = {}
        for kw in call.keywords:
            if kw.arg is None:
                raise self.fail("`**` unpacking is not allowed", kw.value)
            options[kw.arg] = kw.value
        outputs = positional[0] if positional else options.pop("outputs", None)
        inputs = positional[1] if len(positional) > 1 else options.pop("inputs", None)
        if outputs is None or inputs is None:
            raise self.fail("torch.autograd.grad needs the tensor to differentiate and a list of inputs: "
                            "torch.autograd.grad(y, [x])", call)
        flags = {"retain_graph": False, "allow_unused": False}
        for key, value in options.items():
            flag = self.flag(key, value)
            if key in flags:
                flags[key] = bool(flag)
            elif key in ("create_graph", "is_grads_batched", "materialize_grads") and not flag:
                continue
            else:
                raise self.fail(f"torch.autograd.grad(..., {key}=...) is not supported; supported: "
                                "retain_graph=, allow_unused=", value)
        of_node = self.one_name(outputs, "the tensor to differentiate")
        input_nodes = self.names_list(inputs)
        of = of_node.id
        for node in (of_node, *input_nodes):
            self.use(node, allow_query=True)
        # torch's checks, in torch's order (engine.cpp run_backward)
        if of not in self.tensors or not self.tensors[of].requires:
            why = "a gradient result" if of in self.queries else (
                "a constant: torch.tensor(...) without requires_grad=True" if self.tensors[of].leaf else
                "computed from constants only")
            raise self.torch_refuses(TORCH_OF_NO_GRAD, of_node, f"{of} is {why}")
        for node in input_nodes:
            name = node.id
            if name not in self.tensors or not self.tensors[name].requires:
                why = "a gradient result" if name in self.queries else (
                    "a constant: torch.tensor(...) without requires_grad=True" if self.tensors[name].leaf else
                    "computed from constants only")
                raise self.torch_refuses(TORCH_WRT_NO_GRAD, node, f"{name} is {why}")
        root = self.tensors[of].node
        captured = {self.tensors[n.id].node for n in input_nodes}
        reached, executed = self.backward_pass(root, captured)
        self.query_work += len(reached)  # each query walks its graph: many queries of a big graph add up
        if of not in self.queried:  # and the engine and torch run one backward pass over the program per output
            self.queried.add(of)
            self.query_work += len(self.later)
        if self.query_work > limits.QUERY_WORK:
            raise self.fail(limits.over("QUERY_WORK", None, "the work of this program's gradient queries (the graph "
                                        "each walks, a backward pass per output queried)",
                                        "ask fewer queries, or of a smaller graph").message, call)
        stale = [n for n in executed if n in self.freed and self.saves[n]]
        if stale:
            raise self.torch_refuses(TORCH_TWICE, call, "an earlier torch.autograd.grad call without "
                                     "retain_graph=True freed the graph this query needs")
        if not flags["allow_unused"]:
            for i, node in enumerate(input_nodes):
                if self.tensors[node.id].node not in reached:
                    raise self.torch_refuses(TORCH_UNUSED.format(index=i), node,
                                             f"{of} does not depend on {node.id}")
        index = self.index(sub, len(input_nodes))  # Python indexes the tuple after torch has answered
        if not flags["retain_graph"]:
            self.freed.update(executed)
        line, col = self.where(target)  # where the query's statement starts, as an Assignment's name
        self.events.append(("query", len(self.query_list)))
        self.query_list.append(Query(target.id, of, input_nodes[index].id, line, col))
        self.queries[target.id] = _QueryInfo(target.id, target.lineno)

    def torch_refuses(self, reason: str, node: ast.AST, why: str) -> BadInput:
        return self.fail(f"torch refuses this query: RuntimeError: {reason}", node, f"({why})")

    def flag(self, key: str, value: ast.expr) -> bool | None:
        if isinstance(value, ast.Constant) and (value.value is None or isinstance(value.value, bool)):
            return value.value
        raise self.fail(f"{key}= takes True, False or None", value)

    def one_name(self, node: ast.expr, what: str) -> ast.Name:
        if isinstance(node, ast.List | ast.Tuple) and len(node.elts) == 1:
            node = node.elts[0]
        if isinstance(node, ast.Name):
            return node
        if isinstance(node, ast.List | ast.Tuple):
            raise self.fail("one tensor to differentiate per query", node)
        self.expression(node)
        raise self.fail(f"{what} must be a name: assign the expression first", node)

    def names_list(self, node: ast.expr) -> list[ast.Name]:
        elts = node.elts if isinstance(node, ast.List | ast.Tuple) else [node]
        if not elts:
            raise self.fail("torch.autograd.grad needs at least one input: [x]", node)
        out = []
        for elt in elts:
            if not isinstance(elt, ast.Name):
                self.expression(elt)
                raise self.fail("the inputs must be names of tensors: [w1, w2]", elt)
            out.append(elt)
        return out

    def index(self, sub: ast.Subscript, count: int) -> int:
        k = sub.slice
        sign = 1
        if isinstance(k, ast.UnaryOp) and isinstance(k.op, ast.USub):
            sign, k = -1, k.operand
        if not (isinstance(k, ast.Constant) and type(k.value) is int):
            raise self.fail("take the gradient by a whole-number index: torch.autograd.grad(...)[0]", sub.slice)
        i = sign * k.value
        if not -count <= i < count:
            raise self.fail(f"index {i} is out of range: the query has {count} input{'s' if count > 1 else ''} "
                            "(Python raises IndexError)", sub.slice)
        return i % count

    def backward_pass(self, root: object, captured: set[object]) -> tuple[set[object], list[object]]:
        """Nodes reachable from root, and those torch executes: on a path from root to a captured input."""
        needed: dict[object, bool] = {}
        stack: list[tuple[object, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                needed[node] = any(c in captured or needed[c] for c in self.children[node])
                continue
            if node in needed:
                continue
            needed[node] = False  # provisional; a DAG, so no child can be waiting on it
            stack.append((node, True))
            stack.extend((c, False) for c in self.children[node] if c not in needed)
        executed = [n for n, need in needed.items() if need and not isinstance(n, tuple)]
        return set(needed), executed

    # -- computed tensors ---------------------------------------------------------------------------
    def computed(self, target: ast.Name, value: ast.expr) -> None:
        expr, is_tensor = self.expression(value)
        if not is_tensor:
            raise self.fail(f"{target.id} would be a Python number, not a tensor: make it a leaf with "
                            "torch.tensor(...), or compute it from tensors", value)
        if isinstance(expr, Ref):
            same = (f" ({expr.name} is already {self.tensors[expr.name].dtype}: the cast returns the tensor "
                    "itself)") if isinstance(value, ast.Call) else ""
            raise self.fail(f"`{target.id}` would only be another name for the same tensor{same}; "
                            f"use {expr.name} itself", value)
        reads = names_read(expr)
        requires = any(self.tensors[n].requires for n in reads)
        dtype = expr_dtype(expr, lambda n: self.tensors[n].dtype) or "float32"
        line, col = target.lineno, self.col(target.lineno, target.col_offset)
        self.assignments.append(Assignment(target.id, expr, line, col, self.source(line) or "", False, reads))
        root = self.add_graph(expr) if requires else ("none", target.id)
        self.tensors[target.id] = _Tensor(target.id, False, requires, dtype, root, line)

    def add_graph(self, expr: Expr) -> object:
        """Register the expression's ops that require grad as graph nodes; returns the root's node."""
        requires: dict[int, bool] = {}
        stack: list[tuple[Expr, bool]] = [(expr, False)]
        while stack:
            node, done = stack.pop()
            if isinstance(node, Num):
                requires[id(node)] = False
            elif isinstance(node, Ref):
                requires[id(node)] = self.tensors[node.name].requires
            elif not done:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args)
            else:
                requires[id(node)] = any(requires[id(a)] for a in node.args)
                if requires[id(node)]:
                    kids = []
                    for a in node.args:
                        if isinstance(a, Ref) and requires[id(a)]:
                            kids.append(self.tensors[a.name].node)
                        elif isinstance(a, Op) and requires[id(a)]:
                            kids.append(id(a))
                    self.children[id(node)] = kids
                    self.saves[id(node)] = node.op not in NOT_SAVED
        return id(expr)

    def expression(self, root: ast.expr) -> tuple[Expr, bool]:
        """An arithmetic expression -> (Expr tree, whether it is a tensor); iterative, whitelist only."""
        built: dict[int, tuple[Expr, bool]] = {}
        stack: list[tuple[ast.expr, list[ast.expr] | None]] = [(root, None)]
        while stack:
            node, kids = stack.pop()
            if kids is None:
                kids = self.operands(node)
                stack.append((node, kids))
                stack.extend((k, None) for k in reversed(kids))
                continue
            built[id(node)] = self.build(node, [built.pop(id(k)) for k in kids])
        return built[id(root)]

    def operands(self, node: ast.expr) -> list[ast.expr]:
        """Validate one node (before anything below it is built) and list the sub-expressions it needs."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str | bytes):
                raise self.fail("strings are not allowed", node)
            if type(node.value) not in (int, float):
                raise self.fail(f"`{ast.unparse(node)[:20]}` is not a number", node)
            return []
        if isinstance(node, ast.Name):
            return []
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self.fail(f"operator `{_op_text(node.op)}` is not supported; use + - * / **",
                                self.operator_node(node, _op_text(node.op)))
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise self.fail("only unary minus (and plus) is supported", node)
            return [node.operand]
        if isinstance(node, ast.Call):
            return self.call_operands(node)
        if isinstance(node, ast.Attribute):
            hint = ("  (x.grad: ask for a gradient with g = torch.autograd.grad(y, [x])[0])"
                    if node.attr == "grad" else "")
            raise self.fail(f"attribute access is not allowed (`.{node.attr}`){hint}", node)
        kind = _KIND.get(type(node), f"`{type(node).__name__}` expressions")
        raise self.fail(f"not allowed in the snippet language: {kind}", node)

    def call_operands(self, node: ast.Call) -> list[ast.expr]:
        func = node.func
        path = self.dotted(func)
        if path is not None:
            if path in FUNCTIONS:
                if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                    raise self.fail(f"{_pretty(path)} takes one tensor: {_pretty(path)}(x)", node)
                return [node.args[0]]
            if path == TENSOR:
                raise self.fail("torch.tensor(...) makes a leaf: give it a name on its own line, then use the name",
                                node)
            if path == GRAD:
                raise self.fail("a query stands on its own line: g = torch.autograd.grad(y, [x])[0]", node)
            raise self.fail(f"{_pretty(path)} is not part of the snippet language; functions: "
                            f"{', '.join(_pretty(p) for p in FUNCTIONS)}", node)
        if isinstance(func, ast.Attribute) and func.attr in METHODS and self.dotted(func.value) is None:
            if node.args or node.keywords:
                raise self.fail(f".{func.attr}() takes no arguments here", node)
            return [func.value]
        if isinstance(func, ast.Attribute) and func.attr in ("double", "float", "to") \
                and self.dotted(func.value) is None:
            if cast_target(node, self.dotted) is None:
                raise self.fail(f".{func.attr}(...): the casts read here are .double(), .float() and "
                                ".to(torch.float64) / .to(torch.float32)", node)
            return [func.value]
        if isinstance(func, ast.Name):
            if func.id == "print":
                raise self.fail("print(...) stands on its own line", node)
            raise self.fail(f"calling `{func.id}` is not allowed; functions: "
                            f"{', '.join(_pretty(p) for p in FUNCTIONS)}", node)
        if isinstance(func, ast.Attribute):
            base = func.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id not in self.bindings:
                self.use(base)  # undefined (or not imported) comes first
            if self.is_module_chain(func.value) or isinstance(func.value, ast.Name):
                raise self.fail(f"`.{func.attr}(...)` is not part of the snippet language; methods: "
                                f"{', '.join('.' + m + '()' for m in METHODS)}", node)
            raise self.fail("attribute access is not allowed", func)
        raise self.fail("only calls of torch functions are allowed", node)

    def float_of(self, node: ast.Constant) -> float:
        try:
            value = float(node.value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise self.fail("the number is too large for a float", node)
        return value

    def is_module_chain(self, node: ast.expr) -> bool:
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id not in self.tensors and node.id not in self.queries

    def build(self, node: ast.expr, kids: list[tuple[Expr, bool]]) -> tuple[Expr, bool]:
        line, col = self.where(node)
        if isinstance(node, ast.Constant):
            return Num(self.float_of(node), line, col), False
        if isinstance(node, ast.Name):
            self.use(node)
            return Ref(node.id, line, col), True
        if isinstance(node, ast.BinOp):
            name, symbol = _BINARY[type(node.op)]
            (left, lt), (right, rt) = kids
            at = self.operator_node(node, symbol)
            op_line, op_col = self.where(at)
            return Op(name, (left, right), op_line, op_col), lt or rt
        if isinstance(node, ast.UnaryOp):
            (inner, tensor), = kids
            if isinstance(node.op, ast.UAdd):
                return inner, tensor
            if isinstance(inner, Num):
                return Num(-inner.value, line, col), False
            return Op("neg", (inner,), line, col), tensor
        assert isinstance(node, ast.Call)
        (arg, tensor), = kids
        path = self.dotted(node.func)
        fn = FUNCTIONS[path] if path is not None else node.func.attr  # type: ignore[attr-defined]
        if not tensor:
            what = f"{_pretty(path)}(...)" if path is not None else f".{fn}()"
            raise self.fail(f"{what} needs a tensor, not a Python number (torch raises TypeError)", node)
        target = cast_target(node, self.dotted) if path is None else None
        if target is not None:
            return cast(arg, target, expr_dtype(arg, lambda n: self.tensors[n].dtype), line, col), True
        return Op(fn, (arg,), line, col), True

    def operator_node(self, node: ast.BinOp, symbol: str) -> ast.AST:
        """Where the operator itself stands (for messages such as division by zero)."""
        left, right = node.left, node.right
        line = getattr(left, "end_lineno", None)
        if line is None or line != right.lineno:
            return node
        raw = self.line_bytes(line)
        segment = raw[left.end_col_offset or 0: right.col_offset].decode("utf-8", errors="replace")
        at = segment.find(symbol)
        while at >= 0 and symbol == "*" and segment[at:at + 2] == "**":
            at = segment.find(symbol, at + 2)
        if at < 0:
            return node
        marker = ast.Pass()
        marker.lineno = line
        marker.col_offset = (left.end_col_offset or 0) + len(segment[:at].encode("utf-8"))
        return marker


def _pretty(path: str) -> str:
    return path.replace("torch.nn.functional.", "F.")


def _op_text(op: ast.operator) -> str:
    return {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
            ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}.get(type(op), "?")
