"""The referees and the verdicts: torch (in the referee process, check.server: the only modules that import
torch are the request kinds' torch_referee, torch_snippet and torch_network), the exact referee (mpmath),
finite differences, rounding bounds, and the verdict each step gets.

Import this package freely: it stays light (no torch, no mpmath until an exact figure is needed).
"""

from backprop_tui.check.figures import Figures, apply_check, check_trace
from backprop_tui.check.finite_diff import fd_figures

__all__ = ["Figures", "apply_check", "check_trace", "fd_figures"]
