"""A parsed program: named assignments in source order, plus the snippet dialect's queries and prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from backprop_tui.lang.expr import Assignment


@dataclass(frozen=True, slots=True)
class Query:
    """`label = torch.autograd.grad(of, [wrt], ...)[0]` in the snippet dialect."""

    label: str
    of: str
    wrt: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Print:
    """`print(name)`: shows the tensor as torch would print it; `print(name.item())` its Python float."""

    name: str
    line: int
    col: int
    item: bool = False


@dataclass(frozen=True)
class Program:
    assignments: tuple[Assignment, ...]
    output: str
    dialect: str = "chain"  # "chain" | "torch"
    queries: tuple[Query, ...] = ()
    prints: tuple[Print, ...] = ()
    # the snippet dialect's order of events: ("query", i) or ("print", i), as written
    events: tuple[tuple[str, int], ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {a.name: i for i, a in enumerate(self.assignments)})

    def get(self, name: str) -> Assignment:
        return self.assignments[self.index[name]]  # type: ignore[attr-defined]

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.assignments]
