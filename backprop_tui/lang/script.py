"""A PyTorch script: the snippet dialect with `.backward()`, `.grad`, in-place updates and loops, as the
events it runs, in order, every `for` loop unrolled.

The reader (lang.snippet_script) resolves Python's semantics so that no one downstream has to:

- a name assigned inside a loop gets one version per iteration, named with the loop variable's value:
  `loss@2` is `loss` in the iteration where `step == 2` (names outside loops keep their own name);
- Python numbers (`lr = 0.05`, the loop variable, `step + 1`) are folded into the expressions that use
  them; only an update's display form keeps their names (`w − lr·grad(w)`);
- what torch would refuse (a second backward through a freed graph, a backward on a constant, an
  in-place update of a leaf outside `torch.no_grad()`, `.zero_()` on a None grad) is refused at the line;
- whether a `.grad` is None at each read is decided here, from the graph's structure (which leaves each
  backward reaches), so the events say "print None" where torch prints None.

Expressions read tensors by name. Some names stand for a view of a tensor at the moment it is read, with
no gradient of their own (`views`: name -> (kind, owner)): `w.grad` ("grad": the accumulated gradient),
`x.detach()` and `x.data` ("detach": the value, cut from the graph), and a query's label ("query": the
answer of `g = torch.autograd.grad(...)[0]`, used in arithmetic such as `w -= lr * g`). The engine
(engine.script_run) and the referee (check.torch_script) replay these events; nothing the user wrote is
executed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backprop_tui.lang.expr import Assignment, Expr
from backprop_tui.lang.program import Query
from backprop_tui.lang.torch_dtypes import SnippetProgram


@dataclass(frozen=True, slots=True)
class At:
    """Where an event comes from: its line and column, and its loop iteration (the loop variable's value;
    None outside loops)."""

    line: int
    col: int
    iteration: int | None = None

    def text(self) -> str:
        return f"line {self.line}" + (f" (iteration {self.iteration})" if self.iteration is not None else "")


@dataclass(frozen=True, slots=True)
class Leaf:
    """`x = torch.tensor(1.5, requires_grad=True)` (value) or `x2 = y.detach()[.requires_grad_()]`
    (copy_of: the tensor whose current value it takes)."""

    name: str
    value: float | None
    copy_of: str | None
    requires: bool
    dtype: str
    at: At


@dataclass(frozen=True, slots=True)
class Compute:
    """`loss = (w*x - t)**2`: a tensor computed from others (assignment.name is its version's name)."""

    assignment: Assignment
    base: str  # the name as written (`loss` for `loss@2`)
    dtype: str
    at: At
    no_grad: bool = False  # computed inside `with torch.no_grad():`: no graph, no gradient


@dataclass(frozen=True, slots=True)
class Backward:
    """`y.backward()`: every leaf (and retained tensor) y depends on gets ∂y/∂it added to its .grad."""

    of: str
    retain: bool
    number: int  # 1 for the first backward() call the program makes, 2 for the second, ...
    at: At


@dataclass(frozen=True, slots=True)
class Update:
    """`w -= lr * w.grad` under torch.no_grad() (also `w.sub_(...)`, `w.data -= ...`): w takes the value
    of `expr` in place (it stays the same leaf, its .grad untouched). `shape` is the display form:
    Python numbers by their names, `w.grad` as grad(w)."""

    leaf: str
    expr: Expr
    shape: Expr
    source: str
    at: At
    via_data: bool = False  # `w.data -= ...`: torch's version counter does not move


@dataclass(frozen=True, slots=True)
class Reset:
    """`w.grad.zero_()` (to_none False: the gradient becomes 0) or `w.grad = None`."""

    leaf: str
    to_none: bool
    at: At


@dataclass(frozen=True, slots=True)
class Item:
    """One value a print shows. kind: "tensor" (str(t)), "item" (str(t.item())), "grad" (str(t.grad)),
    "grad_item", "query" (an autograd.grad answer, by label), "none" (Python's None), "number" (a Python
    number's str, already in `text`), "text" (a string literal, as is), "join" (an f-string: `parts`)."""

    kind: str
    name: str = ""
    text: str = ""
    spec: str = ""  # an f-string's format spec for this value ("" : str())
    parts: tuple[Item, ...] = ()  # kind "join": an f-string's pieces, joined without spaces


@dataclass(frozen=True, slots=True)
class Show:
    """`print(a, b, ...)`: its items joined by spaces."""

    items: tuple[Item, ...]
    at: At


@dataclass(frozen=True, slots=True)
class Ask:
    """`g = torch.autograd.grad(y, [x])[0]` (or written inside a print): ∂y/∂x now, no .grad changed."""

    query: Query
    retain: bool
    at: At


@dataclass(frozen=True, slots=True)
class RetainGrad:
    """`y.retain_grad()`: the non-leaf y keeps a .grad from the backward passes after this."""

    name: str
    at: At


Event = Leaf | Compute | Backward | Update | Reset | Show | Ask | RetainGrad


@dataclass(frozen=True, slots=True)
class TorchWarning:
    """A warning torch would print to stderr at this place (the program goes on, as in torch)."""

    category: str
    message: str
    at: At


@dataclass(frozen=True)
class ScriptProgram(SnippetProgram):
    """A snippet with backward passes, in-place updates or loops. `assignments` holds every tensor version
    (leaves with their first value, computed tensors by version name) in order; `script` is what runs."""

    script: tuple[Event, ...] = field(default=(), compare=False)
    views: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)  # name -> (kind, tensor)
    torch_warnings: tuple[TorchWarning, ...] = field(default=(), compare=False)
    loops: tuple[tuple[str, int, int], ...] = field(default=(), compare=False)  # (variable, line, iterations)

    @property
    def passes(self) -> int:
        return sum(1 for e in self.script if isinstance(e, Backward))


def base_name(name: str) -> str:
    """`loss@2` -> `loss`."""
    return name.split("@", 1)[0]


def is_script(program: object) -> bool:
    return isinstance(program, ScriptProgram)
