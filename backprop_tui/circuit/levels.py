"""Statement level and gate level: which step and which name of one corresponds to the other.

At gate level (`engine.atomize`) the intermediates of statement `y` are named `y.1`, `y.2`, … and its
last gate keeps the name `y`; a user's name never holds a dot. The mapping, as the app states it:
- a statement step maps to its last gate step (everything the statement step revealed is revealed);
- a gate step maps to its enclosing statement's step of the same phase (for a local derivative, the one
  with the same input when there is one, else that statement's last).
"""

from __future__ import annotations

from backprop_tui.engine.step import Step
from backprop_tui.engine.trace import Trace


def statement_of(name: str) -> str:
    """`y.2` -> `y`; a statement's own name is its own."""
    return name.split(".", 1)[0]


def _belongs(gate: Step, step: Step) -> bool:
    if gate.phase != step.phase or statement_of(gate.target) != step.target:
        return False
    return step.phase != "local" or gate.wrt == step.wrt


def gate_k(statements: Trace, gates: Trace, k: int) -> int:
    """The gate-level position that corresponds to statement-level position k."""
    if k <= 0:
        return 0
    if k >= len(statements.steps):
        return len(gates.steps)
    step = statements.steps[k - 1]
    last = None
    for g in gates.steps:
        if _belongs(g, step):
            last = g.index
    if last is None and step.phase == "local":  # an input read only inside: the statement's last local
        last = max((g.index for g in gates.steps if g.phase == "local" and statement_of(g.target) == step.target),
                   default=None)
    return len(gates.steps) if last is None else last + 1


def statement_k(gates: Trace, statements: Trace, k: int) -> int:
    """The statement-level position that corresponds to gate-level position k."""
    if k <= 0:
        return 0
    if k >= len(gates.steps):
        return len(statements.steps)
    g = gates.steps[k - 1]
    target = statement_of(g.target)
    same = [s for s in statements.steps if s.phase == g.phase and s.target == target]
    if not same:
        return 0
    exact = [s for s in same if g.phase != "local" or s.wrt == g.wrt]
    return (exact or same)[-1].index + 1
