"""PyTorch model files (an nn.Module or nn.Sequential, a loss, optim.SGD and a training loop), read without
running them into a ModelPlan that the network engine trains and the torch referee replays.

Split by concern: base (messages, imports), values (small expressions), formats (the print's format),
module (layers and forward), data (data tensors), loop (the training loop), reader (the top level),
checks (the whole, against torch's rules), plan (the result), detect (is this text a model file?).
"""

from backprop_tui.lang.torch_model.detect import is_model_source
from backprop_tui.lang.torch_model.plan import Layer, Loop, ModelPlan, PrintStatement

__all__ = ["Layer", "Loop", "ModelPlan", "PrintStatement", "is_model_source", "read_model"]


def read_model(text: str) -> ModelPlan:
    """Read a PyTorch model file (never run): raises BadInput naming line and column."""
    from backprop_tui.lang.torch_model.reader import read_model as read

    return read(text)
