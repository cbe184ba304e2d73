"""Parse program text into plain data: no user code is ever run."""

from backprop_tui.lang.load import parse_program

__all__ = ["parse_program"]
