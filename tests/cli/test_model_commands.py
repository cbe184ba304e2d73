"""`train` and `trace` of a PyTorch model file from the command line (the acceptance case seed_mlp.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.core_helpers import ROOT, run, write
from tests.network.model_cases import CASES, POST

POST_FILE = str(ROOT / "examples" / "seed_mlp.py")


def test_the_vendored_post_is_the_acceptance_file_verbatim(acceptance):
    assert (acceptance / "seed_mlp.py").read_bytes() == (ROOT / "examples" / "seed_mlp.py").read_bytes()


@pytest.mark.real_referee
def test_acceptance_train_the_post_with_its_default_data_in_a_fresh_process():
    """Through the real referee process; torch never loads in the command's own process."""
    code = ("import sys; from backprop_tui.cli import main; rc = main(['train', sys.argv[1], '--epochs', '300']); "
            "print('torch loaded:', 'torch' in sys.modules); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, POST_FILE], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line[:22] for line in lines[:3]] == ["Epoch [100/300], Loss:", "Epoch [200/300], Loss:",
                                                 "Epoch [300/300], Loss:"]
    assert lines[3] == "torch loaded: False"
    assert "X and y are not defined in the file: bound seed-mlp" in done.stderr
    assert "torch.manual_seed(0)" in done.stderr
    assert "every one identical" in done.stderr


@pytest.fixture
def one_thread():
    """torch in this process on one thread: a tiny model's 1,000 float32 epochs take 0.5 s instead of 10 s on a
    loaded 2-core machine (threads spin against other processes). Not for identity tests: the thread count
    can change float32 sums on large tensors, and the referee keeps torch's default, as `python FILE` does."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_num_epochs_defaults_to_1000_and_epochs_overrides(one_thread, tmp_path):
    small = CASES["renamed"].replace("range(60)", "range(num_epochs)").replace(
        "(step + 1) % 20 == 0", "(step + 1) % 100 == 0").replace("step + 1, 60,", "step + 1, num_epochs,")
    path = write(tmp_path, small, "small.py")
    got = run(["train", path, "--format", "json"])
    assert got.code == 0, got.err
    doc = got.doc
    assert doc["epochs"] == 1000 and len(doc["losses"]) == 1000
    assert [line[:24] for line in doc["model"]["printed"]][:2] == ["Epoch [100/1000], Loss: ",
                                                                  "Epoch [200/1000], Loss: "]
    assert len(doc["model"]["printed"]) == 10 and doc["model"]["float32"]["compared"] == 10
    assert any("num_epochs is not defined" in n for n in doc["model"]["notes"])
    defined = write(tmp_path, CASES["post_random_before"], "defined.py")
    got = run(["train", defined, "--epochs", "200"])
    assert got.code == 0 and got.out.splitlines()[-1].startswith("Epoch [200/200], Loss: ")
    assert "--epochs 200 replaces num_epochs = 300" in got.err


def test_data_options(tmp_path):
    iris_model = CASES["renamed"].replace("TwoLayerNet(5)", "TwoLayerNet(4)").replace(
        "inputs = torch.randn(20, 5)\nlabels = torch.randint(0, 3, (20,))\n", "")
    path = write(tmp_path, iris_model, "iris_model.py")
    got = run(["train", path])
    assert got.code == 0, got.err
    assert "bound iris (150 rows, 4 features, 3 classes" in got.err
    csv = tmp_path / "points.csv"
    csv.write_text("a,b,c,d,label\n" + "\n".join(f"{i},{i % 3},{i % 5},1.5,{i % 3}" for i in range(12)) + "\n")
    got = run(["train", path, "--data", str(csv), "--format", "json"])
    assert got.code == 0, got.err
    assert got.doc["network"]["rows"] == 12 and got.doc["model"]["data"] == "points.csv"
    assert run(["train", path, "--data", "spiral"]).code == 2  # 2 features, the model takes 4
    assert "unknown data set" in run(["train", path, "--data", "nope"]).err
    chain = write(tmp_path, "x = 1\ny = x*2\n", "chain.bp")
    assert "--data applies to a PyTorch model file" in run(["trace", chain, "--data", "iris"]).err


def test_trace_a_model_file(tmp_path):
    path = write(tmp_path, CASES["double_softmax"], "net.py")
    got = run(["trace", path])
    assert got.code == 0, got.err
    assert "torch: 19 of 19 steps agree" in got.out
    assert "nn.CrossEntropyLoss: log-softmax of its input; a2 is already a softmax" in got.out
    assert "warning: double softmax" in got.err
    doc = json.loads(run(["trace", path, "--format", "json"]).out)
    assert doc["ok"] and doc["network"]["loss"] == "cross_entropy_logits" and doc["model"]["class"] == "Net"


def test_expand_a_neuron_of_a_model_file(tmp_path):
    path = write(tmp_path, CASES["renamed"], "net.py")
    got = run(["expand", path, "--neuron", "fc2:1", "--row", "3"])
    assert got.code == 0, got.err
    assert got.out.startswith("# neuron fc2:1 (identity), data row 3 of 20") and "loss = " in got.out


def test_bad_model_files_exit_2_naming_line_and_column(tmp_path):
    path = write(tmp_path, POST.replace("optim.SGD(", "optim.Adam("), "adam.py")
    got = run(["train", path])
    assert got.code == 2 and "line 19, column 13: optim.Adam is not supported" in got.err
    assert "Traceback" not in got.err
    snippet = write(tmp_path, "import torch\nx = torch.tensor(1., requires_grad=True)\n", "snippet.py")
    assert "defines no model" in run(["train", snippet]).err
    assert run(["train", path, "--log-every", "5"]).code == 2


def test_a_model_on_standard_input(monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CASES["renamed"].encode())))
    got = run(["train", "-"])
    assert got.code == 0, got.err
    assert got.out.splitlines()[-1].startswith("Epoch [60/60], Loss: ")


def test_a_toml_spec_without_epochs_still_trains_100_epochs_by_default():
    got = run(["train", str(ROOT / "examples" / "classic-2-2-2.toml"), "--format", "json"])
    assert got.code == 0 and got.doc["epochs"] == 100
