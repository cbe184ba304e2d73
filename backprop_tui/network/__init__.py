"""Network mode: an MLP spec (TOML), a numpy float64 engine that writes Step records, and torch as referee.

Nothing here imports torch or textual; the referee lives in backprop_tui.check.torch_network.
"""

from backprop_tui.network.spec import Spec, load_spec, parse_spec

__all__ = ["Spec", "load_spec", "parse_spec"]
