"""`backprop-tui export --to torch`: the script runs under real torch (a subprocess with this venv's python)
and prints what `trace --format json` says; editing a leaf in it changes the gradients as a trace of the
edited program does; names that are not identifiers are spelled deterministically and printed as written."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_tui.export.names import identifiers
from backprop_tui.numbers import agree
from tests.core_helpers import ROOT, run, write
from tests.network.helpers import spec_text

CHAIN = str(ROOT / "examples" / "chain.bp")
NET = str(ROOT / "examples" / "classic-2-2-2.toml")
# λ and gate-level names, a constant, a softmax pair, unary minus and powers, and q after the output z
TRICKY = ("x = 1\nc = const(3)\nλ = 2\nh = relu(x*λ - c)\np1, p2 = softmax(h, x)\n"
          "z = -x**2 + p1/λ - (c - x) + 2**-x\nq = z*2\n")


def run_script(path: Path) -> str:
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120,
                          encoding="utf-8")
    assert done.returncode == 0, done.stderr
    return done.stdout


def export(tmp_path: Path, source: str, *flags: str) -> Path:
    target = tmp_path / "exported.py"
    got = run(["export", source, "--to", "torch", "-o", str(target), "--force", *flags])
    assert got.code == 0 and got.out == "", got.err
    return target


def chain_printed(stdout: str) -> tuple[dict[str, float], list[tuple[str, float | None]]]:
    values, grads = {}, []
    for line in stdout.splitlines():
        if m := re.fullmatch(r"grad\((.+)\) = (\S+)", line):
            grads.append((m.group(1), float(m.group(2))))
        elif m := re.fullmatch(r"grad\((.+)\): none.*", line):
            grads.append((m.group(1), None))
        elif m := re.fullmatch(r"(\S+) = (\S+)", line):
            values[m.group(1)] = float(m.group(2))
    return values, grads


def assert_chain_matches(stdout: str, doc: dict) -> None:
    values, grads = chain_printed(stdout)
    nodes = {n["name"]: n for n in doc["nodes"]}
    assert list(values) == list(nodes)  # source order
    assert [name for name, _ in grads] == [s["target"] for s in doc["steps"] if s["phase"] == "backward"]
    for name, v in values.items():
        assert agree(v, nodes[name]["value"]), (name, v)
    for name, g in grads:
        assert agree(g, nodes[name]["grad"]), (name, g, nodes[name]["grad"])


def test_the_seed_chain_script_prints_what_the_trace_says(tmp_path, fast_referee):
    script = export(tmp_path, CHAIN)
    text = script.read_text()
    assert "torch.autograd.grad(y2, [" in text and "y1 = x * w1 + b1" in text
    assert not re.search(r"\b(3\.0|4\.0|7\.0)\b", text)  # y1, grad(x), y2: computed by torch, never written
    stdout = run_script(script)
    assert "grad(x) = 4.0" in stdout and "grad(w2) = 3.0" in stdout
    assert_chain_matches(stdout, run(["trace", CHAIN, "--format", "json"]).doc)


def test_editing_a_leaf_in_the_script_changes_its_gradients_as_the_trace_of_the_edited_program(tmp_path,
                                                                                               fast_referee):
    script = export(tmp_path, CHAIN)
    text = script.read_text()
    line = "x = torch.tensor(1.0, requires_grad=True)"
    assert line in text
    script.write_text(text.replace(line, "x = torch.tensor(3.0, requires_grad=True)"))
    stdout = run_script(script)
    edited = write(tmp_path, Path(CHAIN).read_text().replace("x = 1", "x = 3"), "edited.bp")
    doc = run(["trace", edited, "--format", "json"]).doc
    assert_chain_matches(stdout, doc)
    assert "grad(w1) = 6.0" in stdout and "y2 = 15.0" in stdout  # grad(y1)·x = 2·3; (3·2 + 1)·2 + 1


def test_gate_level_and_non_ascii_names_become_identifiers_and_print_as_written(tmp_path, fast_referee):
    source = write(tmp_path, TRICKY, "tricky.bp")
    script = export(tmp_path, source, "--atomic", "--of", "z")
    text = script.read_text()
    assert "lamda = torch.tensor(2.0, requires_grad=True)" in text and "#   h_1 is h.1" in text
    assert "c = torch.tensor(3.0)  # const" in text
    stdout = run_script(script)
    assert "grad(λ) = " in stdout and "grad(c): none (no requires_grad)" in stdout and "grad(q) = 0.0" in stdout
    assert_chain_matches(stdout, run(["trace", source, "--atomic", "--of", "z", "--format", "json"]).doc)


def test_identifiers_are_deterministic_and_never_collide():
    names = ["y_1", "y.1", "λ", "lamda", "权重", "x₁", "çé", "torch", "ﬁ", "fi"]
    got = identifiers(names, frozenset({"torch", "wrt"}))
    assert got == {"y_1": "y_1", "y.1": "y_1_2", "λ": "lamda_2", "lamda": "lamda", "权重": "u6743_u91cd",
                   "x₁": "x1", "çé": "ce", "torch": "torch_2", "ﬁ": "fi_2", "fi": "fi"}
    assert all(v.isascii() and v.isidentifier() for v in got.values())
    assert identifiers(names, frozenset({"torch", "wrt"})) == got


def network_printed(stdout: str) -> dict[int, object]:
    out = {}
    for line in stdout.splitlines():
        m = re.fullmatch(r"\[(\d+)\] (.+?) = (.+)", line)
        assert m, line
        out[int(m.group(1))] = None if m.group(3) == "none" else ast.literal_eval(m.group(3))
    return out


def assert_network_matches(stdout: str, doc: dict) -> None:
    printed = network_printed(stdout)
    assert sorted(printed) == list(range(1, len(doc["steps"]) + 1))  # every step, in the trace's order
    for s in doc["steps"]:
        got, want = printed[s["index"] + 1], s["value"]
        if want is None:
            assert got is None, s["formula"]
            continue
        a, b = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
        assert a.shape == b.shape and np.all(np.abs(a - b) <= 1e-12 + 1e-9 * np.abs(b)), s["formula"]


def test_the_2_2_2_network_script_builds_nn_linear_and_prints_every_step(tmp_path):
    script = export(tmp_path, NET)
    text = script.read_text()
    assert "fc1 = nn.Linear(2, 2)" in text and "loss.backward()" in text and 'fc1.bias.requires_grad_(False)' in text
    stdout = run_script(script)
    assert "[5] loss = 0.2983711087600027" in stdout and "[10] grad(fc2.bias) = none" in stdout
    assert_network_matches(stdout, json.loads(run(["trace", NET, "--format", "json"]).out))


def test_a_softmax_cross_entropy_network_with_labels_and_an_edited_weight(tmp_path):
    text = spec_text([3, 4, 3], activation="tanh", output="softmax", loss="cross_entropy", rows=4, seed=2,
                     freeze=["fc1.bias"])
    spec = write(tmp_path, text, "soft.toml")
    script = export(tmp_path, spec)
    assert "nll_loss(torch.log(a2), labels)" in script.read_text() and "jacobian(z2)" in script.read_text()
    assert_network_matches(run_script(script), json.loads(run(["trace", spec, "--format", "json"]).out))
    # edit one weight in the script and in a spec's [params]: the same new figures
    doc = json.loads(run(["trace", spec, "--format", "json"]).out)
    weight = np.asarray(doc["params"]["fc2.weight"]["value"])
    old = f"fc2.weight.copy_(torch.tensor({weight.tolist()!r}))"
    assert old in script.read_text()
    weight[0, 0] += 1.5
    script.write_text(script.read_text().replace(old, f"fc2.weight.copy_(torch.tensor({weight.tolist()!r}))"))
    values = {name: p["value"] for name, p in doc["params"].items()} | {"fc2.weight": weight.tolist()}
    params = "".join(f'"{name}" = {json.dumps(v)}\n' for name, v in values.items())
    edited = write(tmp_path, text.replace("[data]", f"[params]\n{params}\n[data]"), "edited.toml")
    new = json.loads(run(["trace", edited, "--format", "json"]).out)
    assert new["loss"] != doc["loss"]
    assert_network_matches(run_script(script), new)


@pytest.mark.parametrize(("args", "message"), [
    (["--of", "fc1"], "--of and --atomic apply to programs"),
    (["-o", NET], "that is the program itself"),
])
def test_export_refusals_exit_2(args, message):
    got = run(["export", NET, *args])
    assert got.code == 2 and message in got.err


def test_export_never_replaces_a_file_without_force(tmp_path):
    target = tmp_path / "mine.py"
    target.write_text("my own work\n")
    got = run(["export", CHAIN, "-o", str(target)])
    assert got.code == 2 and "the file exists; add --force" in got.err and target.read_text() == "my own work\n"
    bad = write(tmp_path, "x = 1\ny = x +* 2\n")
    got = run(["export", bad])
    assert got.code == 2 and "line 2" in got.err and not got.out
    assert run(["export", CHAIN]).out.startswith('"""y2 and its gradients')  # standard output by default
