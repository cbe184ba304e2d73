"""The functions a program may call, with their argument counts (the engine's rules must match)."""

from __future__ import annotations

# name -> number of arguments; softmax takes any number and gives as many outputs.
FUNCTIONS: dict[str, int] = {
    "exp": 1, "log": 1, "sqrt": 1, "abs": 1, "tanh": 1, "sigmoid": 1, "relu": 1,
    "sin": 1, "cos": 1, "tan": 1, "softplus": 1, "square": 1,
}
MANY_OUTPUT = "softmax"
CONST = "const"  # x = const(2): a leaf without gradient


def known_functions() -> list[str]:
    return sorted([*FUNCTIONS, MANY_OUTPUT])
