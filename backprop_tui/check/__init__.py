"""The referees: torch autograd in float64 (the only place torch is imported) and finite differences.

`torch_figures` imports torch on first call; import this package freely, it stays light.
"""

from backprop_tui.check.figures import Figures, apply_check, check_trace
from backprop_tui.check.finite_diff import fd_figures

__all__ = ["Figures", "apply_check", "check_trace", "fd_figures"]
