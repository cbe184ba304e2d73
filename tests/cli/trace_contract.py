"""The JSON contract of `backprop-tui trace --format json` for a chain or a snippet: the keys every
document, node, local and step carries (the README's schema), checked by assert_contract; shared by the
trace suites (test_trace_command.py, test_trace_bad_input.py)."""

from __future__ import annotations

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
