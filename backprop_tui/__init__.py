"""backprop-tui: step through backpropagation, every number checked by PyTorch autograd."""

__version__ = "0.1.0"
