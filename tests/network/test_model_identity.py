"""Identity with real torch: each model file of model_cases.py is run by real torch (one child process for
all of them), and `train` must print the same lines. Where float64 and float32 print different digits (a
bare `loss.item()` repr), the tool's line says so, and the float32 line the referee computed must be
torch's own, byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.network.model_cases import CASES
from tests.network.model_helpers import train

RUNNER = """
import contextlib, io, json, runpy, sys
out = {}
for name, path in json.loads(sys.argv[1]).items():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path(path, run_name="__main__")
    out[name] = buf.getvalue()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def real_torch(tmp_path_factory) -> dict[str, str]:
    """What `python FILE` prints, for every case (the files are real Python; torch is in the venv)."""
    folder = tmp_path_factory.mktemp("model_cases")
    paths = {}
    for name, text in CASES.items():
        path = folder / f"{name}.py"
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    done = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(paths)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", [n for n in CASES if n != "no_guard_repr"])
def test_train_prints_what_real_torch_prints(real_torch: dict[str, str], name: str) -> None:
    run = train(CASES[name])
    assert run.code == 0, run.err
    assert run.out == real_torch[name]
    assert run.out.count("\n") >= 3
    assert "every one identical" in run.err


def test_a_bare_item_repr_differs_in_float64_and_the_line_says_so(real_torch: dict[str, str]) -> None:
    run = train(CASES["no_guard_repr"], fmt="json")
    assert run.code == 0
    doc = run.doc
    records = doc["model"]["lines"]
    theirs = real_torch["no_guard_repr"].splitlines()
    assert [r["torch_line"] for r in records] == theirs  # the referee's float32 run is torch's, to the last bit
    assert all(r["ok"] for r in records)
    assert all(r["line"] != t for r, t in zip(records, theirs, strict=True))  # float64's repr is another number
    assert doc["model"]["float32"]["differ"] == len(theirs) and doc["model"]["float32"]["max_relative"] < 1e-6
    text = train(CASES["no_guard_repr"])
    first = text.lines[0]
    assert first.startswith("0 0.74236662") and "torch float32 0.742366672" in first and "within 1e-05" in first


def test_data_after_the_model_draws_other_numbers(real_torch: dict[str, str]) -> None:
    """The same statements in another order give other weights and data: the replay keeps source order."""
    assert real_torch["post_random_after"] != real_torch["post_random_before"]
    swapped = CASES["post_random_after"].replace("torch.manual_seed(1)", "torch.manual_seed(2)")
    assert train(swapped).out != real_torch["post_random_before"]


def test_the_double_softmax_is_computed_as_torch_computes_it_and_said(real_torch: dict[str, str]) -> None:
    run = train(CASES["double_softmax"])
    assert run.out == real_torch["double_softmax"]
    assert "double softmax" in run.err and "log_softmax(softmax(z))" in run.err
    assert "log(e + 2) − 1 = 0.5514" in run.err


class _Skewed:
    """torch's float32 losses moved by a factor: the comparison must see it."""

    factor = 1.0

    def __new__(cls):  # type: ignore[no-untyped-def]
        from backprop_tui.network.remote import RemoteChecker

        checker = RemoteChecker()  # the shared client: the referee in this process (tests/conftest.py)
        inner = checker.model_train32
        checker.model_train32 = lambda run: [v * cls.factor for v in inner(run)]  # type: ignore[method-assign]
        return checker


@pytest.mark.parametrize(("factor", "code", "words"), [
    (1 + 3e-5, 1, "BEYOND 1e-05: not accepted"),
    (1 + 3e-6, 0, "within 1e-05"),
])
def test_a_float32_line_off_beyond_the_bound_is_shown_and_fails(factor: float, code: int, words: str) -> None:
    import io

    from backprop_tui.network.model_cli import train_model

    _Skewed.factor = factor
    out, err = io.StringIO(), io.StringIO()
    got = train_model("m.py", CASES["no_guard_repr"], None, None, "text", out, err, checker=_Skewed)
    assert got == code
    assert all(words in line for line in out.getvalue().splitlines())
    if code:
        assert "differ beyond 1e-05 relative, not accepted (epoch = 0, 1, 2, 3, 4, 5)" in err.getvalue()
