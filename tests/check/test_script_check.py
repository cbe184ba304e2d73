"""A PyTorch script traced and judged: each backward() a backward pass with its accumulation, each update
with its arithmetic, every step against torch (and torch's printed lines, compared with real torch's in
tests/check/test_float32_snippets.py); a wrong figure on either side is a ✗, never hidden."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from backprop_tui.check import script_check
from backprop_tui.check.script_check import judge_script
from backprop_tui.check.torch_script import run_script_in_torch
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang.load import parse_program
from tests.core_helpers import run

SNIPPETS = Path(__file__).resolve().parent.parent / "snippets"


def doc(name: str) -> dict:
    r = run(["trace", str(SNIPPETS / name), "--format", "json"])
    assert r.code == 0, r.err or [s for s in r.doc["steps"] if not s["ok"]]
    return r.doc


def test_the_forum_case_backward_twice_doubles_the_gradient():
    d = doc("backward_twice.py")
    assert d["kind"] == "script" and d["ok"] is True
    assert d["printed"] == ["tensor(4.5000)", "tensor(9.)", "9.0"]
    assert [(p["number"], p["retain_graph"], p["grads"]) for p in d["passes"]] == [(1, True, {"x": 4.5}),
                                                                                   (2, False, {"x": 9.0})]
    (second,) = [s for s in d["steps"] if s["backward_pass"] == 2 and s["target"] == "x"]
    assert second["formula"].endswith("x.grad = 4.5 (before) + 4.5 (this pass) = 9")
    assert second["value"] == second["torch_value"] == second["torch_value32"] == 9.0
    assert [p["after_step"] for p in d["prints"]] == [5, 7, 7]


def test_an_sgd_loop_of_five_iterations():
    d = doc("sgd_loop.py")
    assert d["loops"] == [{"variable": "step", "line": 8, "iterations": 5}]
    assert [p["iteration"] for p in d["passes"]] == [0, 1, 2, 3, 4]
    names = [n["name"] for n in d["nodes"]]
    assert names[:4] == ["x", "t", "w", "b"] and names[-2:] == ["pred@4", "loss@4"]
    updates = [s for s in d["steps"] if s["phase"] == "update"]
    assert len(updates) == 10 and all(s["ok"] for s in updates)
    # pred = 0.5·1.5 + 0.1 = 0.85, loss = (0.85 − 3)² = 4.6225, grad(w) = 2·(0.85 − 3)·1.5 = −6.45
    assert updates[0]["formula"] == "w = w - lr·grad(w) = 0.5 - 0.05·(-6.45) = 0.8225"
    assert updates[0]["value"] == pytest.approx(0.8225) and updates[0]["torch_value32"] == pytest.approx(0.8225)
    resets = [s for s in d["steps"] if s["phase"] == "reset"]
    assert resets[0]["formula"] == "w.grad.zero_(): grad(w) = -6.45 → 0" and resets[0]["value"] == 0
    assert d["printed"][0] == "0 4.622500419616699"  # torch's float32 loss, as .item() shows it
    assert d["final"]["w"]["grad"] == 0.0


def test_resets_detach_and_non_leaf_grads():
    assert doc("grad_resets.py")["printed"] == ["tensor(12.)", "tensor(0.)", "tensor(12.)", "None", "tensor(12.)"]
    d = doc("detach_stops.py")
    assert d["printed"][-2:] == ["tensor(3.) tensor(3.)", "tensor(6.)"]  # u.grad = k: its detached use adds 0
    d = doc("nonleaf_grad.py")
    assert d["printed"][0] == "None" and d["torch_warnings"][0]["line"] == 9
    assert d["printed"][1] == "tensor(1.)"  # retain_grad


def test_text_names_passes_iterations_and_the_printed_lines():
    r = run(["trace", str(SNIPPETS / "sgd_loop.py")])
    assert r.code == 0
    for line in ("a PyTorch script: 5 backward passes, a loop over `step` (5 iterations, line 8), 79 steps",
                 "Backward pass 3 (iteration 2): chain rule, reverse order", "Iteration 4: forward",
                 "Update under torch.no_grad() (iteration 0)", "0 4.622500419616699", "(after step 15)"):
        assert line in r.out
    md = run(["trace", str(SNIPPETS / "backward_twice.py"), "--format", "markdown"])
    assert md.code == 0 and "## Backward pass 2: chain rule, reverse order" in md.out


def scripted(name: str):
    program = parse_program((SNIPPETS / name).read_text())
    reply = {"float64": run_script_in_torch(program, float64=True), "at_dtypes": run_script_in_torch(program)}
    return build_trace(program), reply


def test_a_wrong_engine_derivative_is_a_disagreement():
    trace, reply = scripted("sgd_loop.py")
    wrong = tuple(replace(s, value=s.value * (1 + 1e-7)) if s.phase == "local" and s.target == "pred@1" and s.value
                  else s for s in trace.steps)  # an engine rule off by 1e-7 relative
    judged = judge_script(replace(trace, steps=wrong), reply)
    bad = [s for s in judged.steps if s.ok is False]
    assert bad and all(s.target == "pred@1" and s.phase == "local" for s in bad)
    assert {s.verdict for s in bad} == {"disagree"} and "engine is off" in bad[0].note  # the exact referee says who
    assert not judged.ok


def test_a_wrong_torch_float32_line_is_a_disagreement():
    trace, reply = scripted("sgd_loop.py")
    reply["at_dtypes"]["updates"] = {k: v * (1 + 1e-5) for k, v in reply["at_dtypes"]["updates"].items()}
    judged = judge_script(trace, reply)
    bad = [s for s in judged.steps if s.ok is False]
    # the first update is off; the steps after each update carry on from torch's (wrong) value, and so the
    # forward steps computed from it disagree too: nothing is hidden
    assert bad[0].phase == "update" and "float32: the engine's" in bad[0].note
    assert all(s.value32 is not None for s in bad)


def test_two_right_answers_are_not_a_disagreement():
    """grad(w) of 10000000·tanh(w) at 10 in float64: both sides lose ~8 digits (issue 9's fault 2), here
    through backward(): the exact referee decides on the pass's own program."""
    source = ("import torch\nw = torch.tensor(10., dtype=torch.float64, requires_grad=True)\nh = torch.tanh(w)\n"
              "y = 10000000 * h\ny.backward()\nprint(w.grad)\n")
    program = parse_program(source)
    reply = {"float64": run_script_in_torch(program, float64=True), "at_dtypes": run_script_in_torch(program)}
    judged = judge_script(build_trace(program), reply)
    step = next(s for s in judged.steps if s.phase == "backward" and s.target == "w")
    assert step.verdict in ("agree", "exact") and step.ok is True
    if step.verdict == "exact":
        assert step.exact_value == pytest.approx(0.0824461445577, rel=1e-9)


def test_the_checks_module_reports_queries_and_lines():
    trace, reply = scripted("inline_query.py")
    extra = script_check.script_checks(judge_script(trace, reply))
    (query,) = extra["queries"]
    assert query["of"] == "r" and query["wrt"] == "p" and query["ok"] is True
    assert extra["printed"][0].startswith("dr/dp: tensor(")
