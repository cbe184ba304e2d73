"""The torch semantics of the snippet dialect: torch's names, its autograd graph, its queries and refusals.

The reader records the autograd graph as torch's engine would build it (a node per operation that
requires grad, its children the nodes its backward feeds) so that what torch itself would refuse is
refused here, in torch's own words, at the line and column of the offending call: a query on a constant,
an unused input without allow_unused=True, a second backward through a freed graph. The graph-freeing
rule mimics torch's engine: a call without retain_graph=True frees the saved tensors of the graph nodes
it executed (those on a path from `of` to an input); a later call that executes a freed node which saved
tensors (every op but + - and unary minus) fails.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Expr, Op, Ref
from backprop_tui.lang.program import Print, Query
from backprop_tui.lang.source_text import SourceText, dotted_path, names_in

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


class TorchGraph(SourceText):
    """The reader's state: imported names, tensors, queries, prints, and the autograd graph."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
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
        self.freed_by = "torch.autograd.grad call"  # what freed the graph last (for torch's message's hint)
        self.query_work = 0  # graph nodes walked by the queries so far (limits.QUERY_WORK)
        self.queried: set[str] = set()  # the outputs queried so far
        self._names_in: dict[int, tuple[ast.AST, list[ast.Name]]] = {}

    def names_of(self, node: ast.AST) -> list[ast.Name]:
        """source_text.names_in(node), walked once however often its statement is read (a loop body's line
        is read once per iteration); the list holds the nodes, whose `id` the reader renames."""
        got = self._names_in.get(id(node))
        if got is None or got[0] is not node:  # the node is kept with its list: its id is never reused
            got = self._names_in[id(node)] = (node, names_in(node))
        return got[1]

    def dotted(self, node: ast.expr) -> str | None:
        """`torch.autograd.grad` -> its full path when the chain starts at an imported name, else None."""
        return dotted_path(node, self.bindings)

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
        self.check_not_freed(executed, call, "this query")
        if not flags["allow_unused"]:
            for i, node in enumerate(input_nodes):
                if self.tensors[node.id].node not in reached:
                    raise self.torch_refuses(TORCH_UNUSED.format(index=i), node,
                                             f"{of} does not depend on {node.id}")
        index = self.index(sub, len(input_nodes))  # Python indexes the tuple after torch has answered
        if not flags["retain_graph"]:
            self.free(executed, "torch.autograd.grad call")
        line, col = self.where(target)  # where the query's statement starts, as an Assignment's name
        self.events.append(("query", len(self.query_list)))
        self.query_list.append(Query(target.id, of, input_nodes[index].id, line, col))
        self.queries[target.id] = _QueryInfo(target.id, target.lineno)

    def check_not_freed(self, executed: list[object], call: ast.AST, what: str) -> None:
        """torch's error for a pass that executes a node an earlier call freed (one that saved tensors)."""
        if any(n in self.freed and self.saves[n] for n in executed):
            raise self.torch_refuses(TORCH_TWICE, call, f"an earlier {self.freed_by} without retain_graph=True "
                                     f"freed the graph {what} needs", what)

    def free(self, executed: list[object], by: str) -> None:
        self.freed.update(executed)
        self.freed_by = by

    def torch_refuses(self, reason: str, node: ast.AST, why: str, what: str = "this query") -> BadInput:
        return self.fail(f"torch refuses {what}: RuntimeError: {reason}", node, f"({why})")

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


    def add_graph(self, expr: Expr) -> object:
        """Register the expression's ops that require grad as graph nodes; returns the root's node."""
        requires: dict[int, bool] = {}  # each operation's (a name's is its tensor's, a number's False)
        tensors = self.tensors
        stack: list[tuple[Op, bool]] = [(expr, False)] if isinstance(expr, Op) else []
        while stack:
            node, done = stack.pop()
            if not done:
                stack.append((node, True))
                stack.extend([(a, False) for a in node.args if isinstance(a, Op)])
                continue
            kids = []
            for a in node.args:
                if isinstance(a, Ref):
                    if tensors[a.name].requires:
                        kids.append(tensors[a.name].node)
                elif isinstance(a, Op) and requires[id(a)]:
                    kids.append(id(a))
            requires[id(node)] = bool(kids)
            if kids:
                self.children[id(node)] = kids
                self.saves[id(node)] = node.op not in NOT_SAVED
        return id(expr)
