"""`backprop-tui trace`: the JSON contract, the formats, exit statuses 0 / 1 / 2, bad input on stderr,
and the acceptance cases in ../shared/acceptance.

Most runs use the in-process referee (`fast_referee`, the same torch figures without a child process);
the acceptance cases, one disagreement and the hostile inputs go through the real child-process referee.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from backprop_tui.engine.rules import RULES
from tests.core_helpers import WHERE, acceptance_dir, run, write
from tests.lang.test_chain_parser import BAD as PARSER_BAD
from tests.lang.test_chain_parser import DEEP

SEED_GRADS = {"x": 4, "w1": 2, "b1": 2, "w2": 3, "b2": 1, "y1": 2, "y2": 1}
NODE_KEYS = {"name", "value", "grad", "torch_value", "torch_grad", "fd_grad", "nondiff", "ok", "exact_value",
             "exact_grad"}
LOCAL_KEYS = {"of", "wrt", "value", "torch_value", "ok"}
STEP_KEYS = {"index", "phase", "target", "formula", "value", "torch_value", "fd_value", "ok"}
TOP_KEYS = {"schema", "kind", "ok", "output", "nodes", "locals", "steps"}
# documented additions beyond the list: scripts must be able to rely on the list, extras are allowed
TOP_EXTRA, LOCAL_EXTRA = {"dialect", "queries", "printed", "prints", "warnings"}, {"fd_value", "nondiff"}
STEP_EXTRA = {"wrt", "nondiff", "exact_value", "digits", "verdict", "note", "value32", "torch_value32"}
WARNING_KEYS = {"kind", "where", "figures", "message", "advice", "steps"}


def number_or_none(v) -> bool:
    return v is None or (isinstance(v, float | int) and not isinstance(v, bool))


def assert_contract(doc: dict) -> None:
    assert TOP_KEYS <= set(doc) <= TOP_KEYS | TOP_EXTRA, set(doc)
    assert doc["schema"] == "backprop-tui/1"
    assert doc["kind"] == "chain"
    assert isinstance(doc["ok"], bool)
    assert isinstance(doc["output"], str)
    for node in doc["nodes"]:
        assert set(node) == NODE_KEYS, set(node)
        assert isinstance(node["name"], str) and isinstance(node["nondiff"], bool) and isinstance(node["ok"], bool)
        assert all(number_or_none(node[k]) for k in ("value", "grad", "torch_value", "torch_grad", "fd_grad"))
        assert node["value"] is not None and node["torch_value"] is not None
    for loc in doc["locals"]:
        assert LOCAL_KEYS <= set(loc) <= LOCAL_KEYS | LOCAL_EXTRA, set(loc)
        assert isinstance(loc["of"], str) and isinstance(loc["wrt"], str) and isinstance(loc["ok"], bool)
        assert number_or_none(loc["value"]) and number_or_none(loc["torch_value"])
    for i, s in enumerate(doc["steps"]):
        assert STEP_KEYS <= set(s) <= STEP_KEYS | STEP_EXTRA, set(s)
        assert s["index"] == i
        assert s["phase"] in ("forward", "local", "backward")
        assert isinstance(s["target"], str) and isinstance(s["formula"], str) and isinstance(s["ok"], bool)
        assert all(number_or_none(s[k]) for k in ("value", "torch_value", "fd_value"))
    names = [n["name"] for n in doc["nodes"]]
    assert doc["output"] in names
    assert [s["target"] for s in doc["steps"] if s["phase"] == "forward"] == names
    assert [s["target"] for s in doc["steps"] if s["phase"] == "backward"] == names[::-1]
    assert [(loc["of"], loc["wrt"]) for loc in doc["locals"]] == \
        [(s["target"], s["wrt"]) for s in doc["steps"] if s["phase"] == "local"]
    assert doc["ok"] == all(s["ok"] for s in doc["steps"])
    assert isinstance(doc["warnings"], list)  # always there, [] when none (README's schema)
    for w in doc["warnings"]:
        assert set(w) == WARNING_KEYS and w["kind"] in ("saturation", "dead_relu") and w["message"]
        assert all(0 <= i < len(doc["steps"]) for i in w["steps"])


def by_name(doc: dict) -> dict[str, dict]:
    return {n["name"]: n for n in doc["nodes"]}


def local_values(doc: dict) -> dict[tuple[str, str], float]:
    return {(loc["of"], loc["wrt"]): loc["value"] for loc in doc["locals"]}


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


# -- exit 2: bad input ----------------------------------------------------------------------------------------
def assert_bad(r, where: tuple[int, int] | None = None, words: str = "") -> None:
    assert r.code == 2, (r.code, r.err)
    assert r.out == ""
    assert "Traceback" not in r.err
    assert r.err.startswith("backprop-tui: ")
    assert 1 <= len(r.err.strip().splitlines()) <= 5, r.err
    if where is not None:
        m = WHERE.search(r.err)
        assert m and (int(m[1]), int(m[2])) == where, r.err
    assert words in r.err, r.err


BAD = [
    ("x = 1\ny = x +\n", (2, 8), "operand is missing"),
    ("x = 1\ny = z*x\n", (2, 5), "before it is defined"),
    ("x = 1\nx = 2\n", (2, 1), "already assigned"),
    ("x = 1\ny = y*x\n", (2, 5), "own definition"),
    ("x = 1\ny = foo(x)\n", (2, 5), "unknown function"),
    ("x = 1\ny = tanh(x, x)\n", (2, 5), "takes 1 argument"),
    ("x = 'hello'\n", (1, 5), "strings"),
    ("x = [1]\n", (1, 5), "lists"),
    ("import os\n", (1, 1), "imports"),
    ("x = 1\ny = x.real\n", (2, 6), "attribute access"),
    ("x = 0\ny = 2/x\n", (2, 6), "division by zero"),
    ("x = 0\ny = log(x)\n", (2, 5), "log"),
    ("x = -1\ny = sqrt(x)\n", (2, 5), "sqrt"),
    ("x = 0\ny = sqrt(x)\n", (2, 5), "infinite derivative"),
    ("y = (-8)**0.5\n", (1, 9), "not a real number"),
    ("x = 1000\ny = exp(x)\n", (2, 5), "overflow"),
    ("y = 1e308*10\n", (1, 10), "overflow"),
    ("x = 1e-200\ny = 1/x\n", (2, 6), "inf"),
    ("x = nan\n", (1, 5), "nan"),
    ("x = 1\ny = " + "(" * 500 + "x" + ")" * 500 + "\n", (2, 105), "nested too deeply"),
    ("x = 1\ny = " + "-" * 10_000 + "x\n", (2, 105), "signs in a row"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(("text", "where", "words"), BAD, ids=[repr(b[0])[:30] for b in BAD])
def test_bad_input_exits_2(fast_referee, tmp_path, capsys, text, where, words):
    assert_bad(run(["trace", write(tmp_path, text), "--format", "json"], capsys), where, words)


def test_the_acceptance_bad_program_with_the_real_referee(tmp_path, capsys):
    for fmt in ("json", "text"):
        assert_bad(run(["trace", write(tmp_path, "y = x +"), "--format", fmt], capsys), (1, 8), "missing")


def test_non_utf8_bytes(fast_referee, tmp_path, capsys):
    assert_bad(run(["trace", write(tmp_path, b"x = 1\ny = \xff*x\n")], capsys), (2, 5), "UTF-8")


def test_missing_file_and_directory(fast_referee, tmp_path, capsys):
    assert_bad(run(["trace", str(tmp_path / "nope.bp")], capsys), None, "no such file")
    assert_bad(run(["trace", str(tmp_path)], capsys), None, "directory")


def test_unknown_of(fast_referee, tmp_path, capsys):
    assert_bad(run(["trace", write(tmp_path, "x = 1\ny = x\n"), "--of", "z"], capsys), None, "no variable")


def test_unknown_format_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        run(["trace", write(tmp_path, "x = 1\n"), "--format", "yaml"], capsys)
    assert info.value.code == 2


# -- nothing is executed -------------------------------------------------------------------------------------
HOSTILE = [
    "__import__('os').system('touch {p}')\n",
    "x = __import__('os').system('touch {p}')\n",
    "x = 1\ny = exec('open(\"{p}\", \"w\")')\n",
    "import os\nos.system('touch {p}')\n",
    "import torch\nimport os\nos.system('touch {p}')\n",
    "import torch\nx = torch.tensor(1.)\ny = __import__('os').system('touch {p}')\n",
    "x = 1\ny = x.__class__.__base__.__subclasses__()\n",
    "x = open\n",
    "x = breakpoint()\n",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_programs_are_refused_and_not_run(tmp_path, capsys, template):
    target = tmp_path / "pwned"
    program = template.format(p=target)
    r = run(["trace", write(tmp_path, program), "--format", "json"], capsys)
    assert_bad(r)
    assert not target.exists()
    assert not Path("/tmp/pwned").exists()


# every refusal the parser and engine suites list, once more through the command line


@pytest.mark.parametrize(("text", "line", "col", "words"), PARSER_BAD, ids=[repr(b[0])[:30] for b in PARSER_BAD])
def test_every_refusal_through_main(fast_referee, tmp_path, capsys, text, line, col, words):
    assert_bad(run(["trace", write(tmp_path, text), "--format", "json"], capsys), (line, col), words)


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_through_main(fast_referee, tmp_path, capsys, text):
    r = run(["trace", write(tmp_path, text), "--format", "text"], capsys)
    assert_bad(r)
    assert WHERE.search(r.err)


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
