"""Float32 as torch runs it: each snippet in tests/snippets/ is run by real torch in a subprocess, and its
standard output must equal the tool's `printed` byte for byte; the engine's own float32 emulation must print
the same (or the difference is reported); float32 effects are explained, never disagreements."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core_helpers import run

SNIPPETS = sorted((Path(__file__).resolve().parent.parent / "snippets").glob("*.py"))
RUNNER = """
import contextlib, io, json, runpy, sys
out = {}
for path in sys.argv[1:]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path(path, run_name="__main__")
    out[path] = buf.getvalue()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def real_torch_output() -> dict[str, str]:
    """Every snippet file run by real torch, in one subprocess (one torch import for all)."""
    done = subprocess.run([sys.executable, "-c", RUNNER, *map(str, SNIPPETS)], capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("path", SNIPPETS, ids=[p.stem for p in SNIPPETS])
def test_printed_is_real_torchs_output(path: Path, real_torch_output):
    r = run(["trace", str(path), "--format", "json"])
    assert r.code == 0, r.err or [s for s in r.doc["steps"] if not s["ok"]]
    doc = r.doc
    assert doc["ok"] is True
    assert "\n".join(doc["printed"]) + "\n" == real_torch_output[str(path)]
    if path.stem != "float64_dtype":  # there torch's FMA rounds the last digit of the gradient differently
        assert all(p["same"] for p in doc["prints"]), doc["prints"]


def steps(path: str) -> dict[str, dict]:
    doc = run(["trace", str(Path(__file__).resolve().parent.parent / "snippets" / path), "--format", "json"]).doc
    return {(s["phase"], s["target"], s.get("wrt")): s for s in doc["steps"]} | {"doc": doc}  # type: ignore[dict-item]


def test_fault_1_overflow_is_explained_and_agrees():
    got = steps("fault1_overflow_nan.py")
    r = got[("forward", "r", None)]
    assert r["value"] == pytest.approx(0.36787944117144233, rel=1e-15)  # float64 figures stay float64
    assert r["value32"] == "nan" and r["torch_value32"] == "nan" and r["ok"] is True
    assert "exp(a) = exp(300) overflows to inf" in r["note"] and "so r is nan" in r["note"]
    assert got["doc"]["printed"] == ["tensor(nan, grad_fn=<DivBackward0>)", "tensor(nan)"]
    (query,) = got["doc"]["queries"]
    assert query["value32"] == "nan" and query["torch_value32"] == "nan" and query["ok"] is True


def test_overflow_in_item_and_gradient():
    got = steps("overflow_item.py")
    assert got["doc"]["printed"] == ["tensor(inf, grad_fn=<ExpBackward0>)", "inf", "tensor(inf)", "inf"]
    y = got[("forward", "y", None)]
    assert y["value"] == pytest.approx(4.4896128191743455e38) and y["value32"] == "inf"
    assert "overflows to inf" in y["note"]


def test_underflow_to_zero():
    got = steps("underflow.py")
    y = got[("forward", "y", None)]
    assert y["value32"] == 0 and y["value"] > 0 and "underflows to 0" in y["note"]
    assert got["doc"]["printed"][0] == "tensor(0., grad_fn=<MulBackward0>)"


@pytest.mark.parametrize(("path", "name", "op"), [("tanh_saturation.py", "h", "tanh(w) = tanh(10)"),
                                                  ("sigmoid_saturation.py", "a", "sigmoid(z) = sigmoid(20)")])
def test_saturation_rounds_to_one_and_the_gradient_vanishes(path, name, op):
    got = steps(path)
    fwd = got[("forward", name, None)]
    assert fwd["value32"] == 1 and fwd["value"] < 1
    assert f"in float32, {op} rounds to exactly 1" in fwd["note"] and "gradient vanishes" in fwd["note"]
    wrt = "w" if name == "h" else "z"
    grad = got[("backward", wrt, None)]
    assert grad["value32"] == 0 and grad["torch_value32"] == 0 and grad["value"] > 0 and grad["ok"] is True
    assert "in float32 this is exactly 0" in grad["note"]


def test_float64_through_dtype_and_double_keeps_the_gradient():
    assert steps("float64_dtype.py")["doc"]["printed"][1] == "tensor(0.0824, dtype=torch.float64)"
    got = steps("float64_double.py")
    assert got["doc"]["printed"][2] == "tensor(0.0824)"  # through float64, the gradient cast back to float32


def test_float32_values_are_torchs_stored_float32():
    got = steps("rounding_item.py")
    assert got["doc"]["printed"][0] == "0.30000001192092896"
    c = got[("forward", "c", None)]
    assert c["value32"] == c["torch_value32"] == 0.30000001192092896 and c["value"] == pytest.approx(0.3)
