"""`backprop-tui trace`: the JSON contract, the formats, exit statuses 0 and 1, and the acceptance cases
in ../shared/acceptance. Exit status 2 (bad input on stderr, nothing run): test_trace_bad_input.py.

Most runs use the in-process referee (`fast_referee`, the same torch figures without a child process);
the acceptance cases and one disagreement go through the real child-process referee.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace

import pytest

from backprop_tui.engine.rules import RULES
from tests.cli.trace_contract import SEED_GRADS, assert_contract, by_name, local_values
from tests.core_helpers import acceptance_dir, run, write


# -- the seed chain, through the real referee ----------------------------------------------------------
@pytest.fixture(scope="module")
def seed_run():
    path = acceptance_dir() / "seed_chain.bp"
    result = run(["trace", str(path), "--format", "json"])
    return result


def test_seed_chain_exit_status_and_contract(seed_run):
    assert seed_run.code == 0, seed_run.err
    assert seed_run.err == ""
    doc = seed_run.doc
    assert_contract(doc)
    assert doc["ok"] is True
    assert doc["output"] == "y2"


def test_seed_chain_figures(seed_run):
    doc = seed_run.doc
    nodes = by_name(doc)
    assert list(nodes) == ["x", "w1", "b1", "w2", "b2", "y1", "y2"]
    assert nodes["y1"]["value"] == 3 and nodes["y2"]["value"] == 7
    assert {n: nodes[n]["grad"] for n in nodes} == SEED_GRADS
    assert {n: nodes[n]["torch_grad"] for n in nodes} == SEED_GRADS
    assert all(node["ok"] and node["torch_value"] == node["value"] for node in nodes.values())
    assert all(node["fd_grad"] == pytest.approx(node["grad"], rel=1e-6) for node in nodes.values())
    loc = local_values(doc)
    assert loc[("y2", "y1")] == 2 and loc[("y1", "w1")] == 1
    assert all(entry["ok"] and entry["torch_value"] == entry["value"] for entry in doc["locals"])


def test_seed_chain_steps(seed_run):
    steps = seed_run.doc["steps"]
    assert [s["phase"] for s in steps] == ["forward"] * 7 + ["local"] * 6 + ["backward"] * 7
    formulas = [s["formula"] for s in steps]
    assert "∂y2/∂y1 = w2 = 2" in formulas
    assert "∂y1/∂w1 = x = 1" in formulas
    assert "grad(y1) = grad(y2)·∂y2/∂y1 = 1·2 = 2" in formulas
    assert "y2 = y1·w2 + b2 = 3·2 + 1 = 7" in formulas
    s = next(s for s in steps if s["formula"].startswith("∂y2/∂y1"))
    assert (s["target"], s["wrt"], s["value"], s["torch_value"], s["ok"]) == ("y2", "y1", 2, 2, True)


def test_seed_chain_of_y2_and_of_y1(fast_referee):
    path = str(acceptance_dir() / "seed_chain.bp")
    r = run(["trace", path, "--format", "json", "--of", "y2"])
    assert r.code == 0
    assert by_name(r.doc)["w1"]["grad"] == 2  # ∂y2/∂w1
    r = run(["trace", path, "--format", "json", "--of", "y1"])
    assert r.code == 0, r.err
    assert_contract(r.doc)
    nodes = by_name(r.doc)
    assert r.doc["output"] == "y1"
    assert nodes["w1"]["grad"] == 1 and nodes["w1"]["torch_grad"] == 1  # ∂y1/∂w1
    assert nodes["y2"]["grad"] == 0 and nodes["w2"]["grad"] == 0


# -- the snippet acceptance case --------------------------------------------------------------------------
def test_seed_snippet_verbatim():
    path = acceptance_dir() / "seed_snippet.py"
    r = run(["trace", str(path), "--format", "json"])
    assert r.code == 0, r.err
    doc = r.doc
    assert_contract(doc)
    assert doc["ok"] is True
    assert [q["value"] for q in doc["queries"]] == [2, 1, 2]
    assert all(q["ok"] for q in doc["queries"])
    assert doc["printed"] == ["tensor(2.)", "tensor(1.)", "tensor(2.)"]
    nodes = by_name(doc)
    for constant in ("x", "b1", "b2"):
        assert nodes[constant]["grad"] is None and nodes[constant]["torch_grad"] is None


# -- formats, stdin, atomic -----------------------------------------------------------------------------
def test_text_and_markdown(fast_referee, tmp_path):
    path = write(tmp_path, "x = 1\nw1 = 2\nb1 = 1\nw2 = 2\nb2 = 1\ny1 = x*w1 + b1\ny2 = y1*w2 + b2\n")
    text = run(["trace", path])
    assert text.code == 0 and text.err == ""
    assert "grad(y1) = grad(y2)·∂y2/∂y1 = 1·2 = 2" in text.out
    assert "∂y2/∂y1 = w2 = 2" in text.out and "✓" in text.out and "✗" not in text.out
    md = run(["trace", path, "--format", "markdown"])
    assert md.code == 0
    assert md.out.startswith("# ") and "| # | step |" in md.out and "`∂y2/∂y1 = w2 = 2`" in md.out


def test_standard_input(fast_referee, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x = 2; y = x*x\n")))
    r = run(["trace", "-", "--format", "json"])
    assert r.code == 0, r.err
    assert by_name(r.doc)["x"]["grad"] == 4


def test_atomic(fast_referee, tmp_path):
    path = write(tmp_path, "x = 1\nw1 = 2\nb1 = 1\nw2 = 2\nb2 = 1\ny1 = x*w1 + b1\ny2 = y1*w2 + b2\n")
    r = run(["trace", path, "--format", "json", "--atomic"])
    assert r.code == 0, r.err
    assert_contract(r.doc)
    nodes = by_name(r.doc)
    assert list(nodes) == ["x", "w1", "b1", "w2", "b2", "y1.1", "y1", "y2.1", "y2"]
    assert {n: nodes[n]["grad"] for n in SEED_GRADS} == SEED_GRADS
    assert nodes["y1.1"]["value"] == 2 and nodes["y1.1"]["grad"] == 2


def test_constants_in_json(fast_referee, tmp_path):
    r = run(["trace", write(tmp_path, "c = const(2)\nx = 3\ny = c*x\n"), "--format", "json"])
    assert r.code == 0, r.err
    assert_contract(r.doc)
    c = by_name(r.doc)["c"]
    assert c["grad"] is None and c["torch_grad"] is None and c["fd_grad"] is None and c["ok"] is True
    step = next(s for s in r.doc["steps"] if s["phase"] == "backward" and s["target"] == "c")
    assert step["value"] is None and step["torch_value"] is None and step["ok"] is True


@pytest.mark.parametrize("fn", ["relu", "abs"])
def test_kink_marked_in_json(fast_referee, tmp_path, fn):
    r = run(["trace", write(tmp_path, f"x = 0\nw = 3\ny = {fn}(x)*w\n"), "--format", "json"])
    assert r.code == 0, r.err
    assert_contract(r.doc)
    nodes = by_name(r.doc)
    assert nodes["x"]["nondiff"] is True and nodes["x"]["grad"] == 0 and nodes["x"]["torch_grad"] == 0
    assert nodes["w"]["nondiff"] is False
    local = next(loc for loc in r.doc["locals"] if (loc["of"], loc["wrt"]) == ("y", "x"))
    assert local["value"] == 0 and local["torch_value"] == 0 and local.get("nondiff") is True


def test_softmax_fan_out_and_diamond(fast_referee, tmp_path):
    text = "a = 0.5\nb = -1\nc = 2\np1, p2, p3 = softmax(a, b*a, c)\nd = (a + a)*a\nout = p1*d + p2 - p3*a\n"
    r = run(["trace", write(tmp_path, text), "--format", "json"])
    assert r.code == 0, r.err
    assert_contract(r.doc)
    assert r.doc["ok"]
    grad_a = next(s for s in r.doc["steps"] if s["phase"] == "backward" and s["target"] == "a")
    assert grad_a["formula"].count("grad(") == 1 + 5  # p1, p2, p3, d and out all read a


def test_ten_thousand_terms_on_one_line(fast_referee, tmp_path):
    text = "x = 0.5\nw = 2\ny = " + " + ".join("x" if i % 2 else "w" for i in range(10_000)) + "\n"
    r = run(["trace", write(tmp_path, text), "--format", "json"])
    assert r.code == 0, r.err
    assert_contract(r.doc)
    assert by_name(r.doc)["x"]["grad"] == 5000 and by_name(r.doc)["y"]["value"] == 5000 * 2.5
    assert all(len(s["formula"]) < 300 for s in r.doc["steps"])


# -- exit 1: a disagreement is shown, not hidden ------------------------------------------------------------
def _wrong_mul(monkeypatch):
    rule = RULES["mul"]
    monkeypatch.setitem(RULES, "mul", replace(rule, partials=lambda xs, out, i: (xs[1] + 1.0, xs[0])))


def test_engine_disagreeing_with_the_real_referee_exits_1(monkeypatch, acceptance):
    _wrong_mul(monkeypatch)  # the engine's product rule is now wrong; torch, in its own process, is not
    r = run(["trace", str(acceptance / "seed_chain.bp"), "--format", "json"])
    assert r.code == 1, r.err
    doc = r.doc  # the document is still printed, whole
    assert_contract(doc)
    assert doc["ok"] is False
    bad = {(s["phase"], s["target"], s.get("wrt")) for s in doc["steps"] if not s["ok"]}
    assert ("local", "y1", "x") in bad and ("local", "y2", "y1") in bad
    # grad(x) = grad(y1)·∂y1/∂x is wrong too; b1's and b2's are sums, not products: still right
    assert ("backward", "x", None) in bad and ("backward", "b2", None) not in bad
    assert all(s["ok"] for s in doc["steps"] if s["phase"] == "forward")
    wrong = next(s for s in doc["steps"] if s["formula"].startswith("∂y2/∂y1"))
    assert (wrong["value"], wrong["torch_value"], wrong["ok"]) == (3, 2, False)
    assert by_name(doc)["x"]["ok"] is False


def test_disagreement_in_text(monkeypatch, fast_referee, tmp_path):
    _wrong_mul(monkeypatch)
    r = run(["trace", write(tmp_path, "x = 2\nw = 3\ny = x*w\n")])
    assert r.code == 1
    assert "✗" in r.out and "DISAGREES" in r.out and "torch disagrees" in r.out


def test_referee_disagreeing_exits_1(monkeypatch, tmp_path):
    from backprop_tui.check import torch_wire

    real = torch_wire.wire_figures

    def skewed(data):  # the referee's answer for x, w, y with grad(w) off by 1e-3
        lists = real(data)
        lists["grads"][1] += 1e-3
        return lists

    monkeypatch.setattr(torch_wire, "wire_figures", skewed)
    r = run(["trace", write(tmp_path, "x = 2\nw = 3\ny = x*w\n"), "--format", "json"])
    assert r.code == 1
    doc = r.doc
    assert doc["ok"] is False
    assert [(s["phase"], s["target"]) for s in doc["steps"] if not s["ok"]] == [("backward", "w")]
    assert by_name(doc)["w"]["ok"] is False and by_name(doc)["x"]["ok"] is True


def test_in_process_referee_matches_the_child_on_the_snippet(fast_referee):
    r = run(["trace", str(acceptance_dir() / "seed_snippet.py"), "--format", "json"])
    assert r.code == 0, r.err
    assert [q["torch_value"] for q in r.doc["queries"]] == [2, 1, 2]


def test_the_json_carries_the_learning_warnings_written_early_or_not(tmp_path):
    """trace --format json writes its rows before torch answers (chain_json.prerender): the document is
    still the one chain_json.document gives, the engine's warnings included."""
    from backprop_tui.engine.trace import build_trace
    from backprop_tui.lang import parse_program
    from backprop_tui.report import chain_json

    source = "x = 8\nw = 1\ny = tanh(x*w)\n"  # tanh'(8) = 4.5e-7: saturated
    r = run(["trace", write(tmp_path, source), "--format", "json"])
    assert r.code == 0, r.err
    assert_contract(r.doc)
    assert [w["kind"] for w in r.doc["warnings"]] == ["saturation"]
    trace = build_trace(parse_program(source))
    early = json.loads(chain_json.document_text(trace, None, chain_json.prerender(trace)))
    assert early == json.loads(chain_json.dumps(chain_json.document(trace)))  # the same object, keys in any order


def test_counts_are_singular_for_one(capsys, tmp_path):
    from backprop_tui.cli import main

    f = tmp_path / "one.bp"
    f.write_text("x = 3\n")
    assert main(["trace", str(f)]) == 0
    assert "output x, 1 variable, 2 steps" in capsys.readouterr().out
