"""A converged model is not a false alarm: a printed line that differs from torch's float32 one is accepted
within 1e-5 relative or within float32's floor, 2⁻²⁴ × the starting loss (network.model_cli); a genuinely
wrong float32 line is still a disagreement."""

from __future__ import annotations

import io

import pytest

from backprop_tui.network.model_cli import UNIT_ROUNDOFF32, train_model
from backprop_tui.network.remote import RemoteChecker
from tests.network.model_helpers import train
from tests.network.test_model_overflow import DIVERGING

# y = 2x, lr 0.05, 3,000 epochs, the loss printed in full: float32 bottoms out at 1.7e-13, float64 goes on
CONVERGED = (DIVERGING.replace("lr=10", "lr=0.05").replace("num_epochs = 300", "num_epochs = 3000")
             .replace("% 30 == 0", "% 300 == 0").replace("Loss: {:.4f}'", "Loss: {}'"))


def test_a_converged_model_agrees_with_torchs_float32_floor():
    run = train(CONVERGED, fmt="json")
    assert run.code == 0, run.err
    f32 = run.doc["model"]["float32"]
    lines = run.doc["model"]["lines"]
    assert f32["beyond"] == [] and f32["differ"] == 10
    assert f32["floor"] == pytest.approx(UNIT_ROUNDOFF32 * 14.787, rel=1e-3)  # the first epoch's loss: 14.787
    last = lines[-1]
    assert last["torch_line"] == "Epoch [3000/3000], Loss: 1.7053025658242404e-13"  # what `python FILE` prints
    assert float(last["loss"]) < 1e-29 and last["ok"] is True


class _Off:
    """torch's float32 losses moved by `shift`: a float32 line that is genuinely wrong."""

    def __init__(self, shift: float) -> None:
        self.shift = shift

    def __call__(self) -> RemoteChecker:
        checker = RemoteChecker()
        real = checker.model_train32
        checker.model_train32 = lambda run: [v + self.shift for v in real(run)]  # type: ignore[method-assign]
        return checker


@pytest.mark.parametrize("shift", [1e-3, 5e-6])
def test_a_wrong_float32_line_is_still_a_disagreement(shift):
    out, err = io.StringIO(), io.StringIO()
    assert train_model("m.py", CONVERGED, None, None, "text", out, err, checker=_Off(shift)) == 1
    assert "BEYOND 1e-05: not accepted (nor within float32's floor 8.8e-07)" in out.getvalue()
    assert "differ beyond" in err.getvalue()
