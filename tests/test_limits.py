"""The budget table (backprop_tui.limits): the README holds it, and every cap is enforced with a message
naming the limit. Caps too large to reach quickly in a test are lowered with monkeypatch: the check is
the same code at any value."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang import parse_program
from tests.core_helpers import ROOT, run, write

SPEC_HEAD = '[network]\nsizes = [2, 2]\noutput = "sigmoid"\nloss = "mse"\nlr = 0.5\n'


def test_the_readme_holds_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert limits.markdown_table() in readme


def test_every_limit_in_the_table_is_a_constant_and_tested_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for lim in limits.TABLE:
        assert getattr(limits, lim.name) == lim.value
        assert f"def test_{lim.name.lower()}" in source or f'"{lim.name}"' in source, lim.name


def test_the_caps_sit_above_the_largest_benchmark_input() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from make_chain import chain_program

    text = chain_program(20_000)
    assert len(text.encode()) < limits.PROGRAM_BYTES / 3
    parse_program(text)  # 20,000 statements and 66,664 steps: well inside STATEMENTS and STEPS


def caught(text: str) -> BadInput:
    with pytest.raises(BadInput) as err:
        from backprop_tui.engine.trace import build_trace

        build_trace(parse_program(text))
    return err.value


def test_program_bytes(tmp_path: Path) -> None:
    big = "x = 1\n" + "# padding\n" * (limits.PROGRAM_BYTES // 10)
    r = run(["trace", write(tmp_path, big)])
    assert r.code == 2 and "PROGRAM_BYTES" in r.err and "2 MiB" in r.err
    assert "PROGRAM_BYTES" in caught(big).message  # the app's editor text too


def test_spec_bytes(tmp_path: Path) -> None:
    big = SPEC_HEAD + "#\n" * (limits.SPEC_BYTES // 2) + "[data]\nx = [[0, 1]]\ny = [[1, 0]]\n"
    r = run(["train", write(tmp_path, big, "net.toml")])
    assert r.code == 2 and "SPEC_BYTES" in r.err


def test_csv_bytes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "CSV_BYTES", 1000)
    (tmp_path / "d.csv").write_text("0.5,0.5,1,0\n" * 200)
    r = run(["train", write(tmp_path, SPEC_HEAD + '[data]\ncsv = "d.csv"\n', "net.toml")])
    assert r.code == 2 and "[data] csv" in r.err and "CSV_BYTES" in r.err


def test_statements(monkeypatch) -> None:
    monkeypatch.setattr(limits, "STATEMENTS", 10)
    err = caught("".join(f"x{i} = {i}\n" for i in range(11)))
    assert "STATEMENTS" in err.message and err.line == 11
    with pytest.raises(BadInput) as caught_snippet:
        parse_program("import torch\n" + "".join(f"x{i} = torch.tensor(1.)\n" for i in range(11)))
    assert "STATEMENTS" in caught_snippet.value.message
    parse_program("".join(f"x{i} = {i}\n" for i in range(10)))  # at the cap: accepted


def test_steps(monkeypatch) -> None:
    monkeypatch.setattr(limits, "STEPS", 100)
    text = "x = 1\n" + "".join(f"y{i} = x*{i + 1}\n" for i in range(40))  # 41 + 40 + 41 = 122 steps
    assert "STEPS" in caught(text).message
    caught_ok = "x = 1\n" + "".join(f"y{i} = x*{i + 1}\n" for i in range(30))  # 92 steps
    from backprop_tui.engine.trace import build_trace

    assert len(build_trace(parse_program(caught_ok)).steps) == 92


def test_nesting() -> None:
    deep = "x = 1\ny = " + "(" * (limits.NESTING + 1) + "x" + ")" * (limits.NESTING + 1) + "\n"
    err = caught(deep)
    assert err.line == 2 and err.col is not None and str(limits.NESTING) in err.message
    ok = "x = 1\ny = " + "(" * (limits.NESTING - 2) + "x" + ")" * (limits.NESTING - 2) + "\n"
    parse_program(ok)


def test_softmax_arity() -> None:
    def softmax(n: int) -> str:
        return "".join(f"x{j} = 1\n" for j in range(n)) + ", ".join(f"p{j}" for j in range(n)) + \
            " = softmax(" + ", ".join(f"x{j}" for j in range(n)) + ")\n"

    err = caught(softmax(limits.SOFTMAX_ARITY + 1))
    assert "SOFTMAX_ARITY" in err.message and err.line == limits.SOFTMAX_ARITY + 2
    parse_program(softmax(limits.SOFTMAX_ARITY))


def test_softmax_output_layer_width_and_jacobian(monkeypatch) -> None:
    from backprop_tui.network.spec import parse_spec

    wide = '[network]\nsizes = [1, 65]\noutput = "softmax"\nloss = "cross_entropy"\nlr = 0.1\n' \
           '[data]\nx = [[1]]\ny = [0]\n'
    with pytest.raises(BadInput, match="SOFTMAX_ARITY"):
        parse_spec(wide)
    monkeypatch.setattr(limits, "SOFTMAX_JACOBIAN", 10)
    small = wide.replace("[1, 65]", "[1, 2]").replace("x = [[1]]\ny = [0]", "x = [[1], [2], [3]]\ny = [0, 1, 0]")
    with pytest.raises(BadInput, match="SOFTMAX_JACOBIAN"):  # 3 rows × 2² = 12 entries
        parse_spec(small)


def test_loop_iterations_is_published_for_the_pytorch_dialect() -> None:
    """Issue 10's `for` loops import limits.LOOP_ITERATIONS; the number itself is part of the table."""
    assert limits.LOOP_ITERATIONS * 1 <= limits.STATEMENTS
    err = limits.over("LOOP_ITERATIONS", limits.LOOP_ITERATIONS + 1, "the loop's iterations")
    assert "LOOP_ITERATIONS" in err.message and "10,001" in err.message


def test_network_params(tmp_path: Path) -> None:
    spec = SPEC_HEAD.replace("[2, 2]", "[1000, 1001]") + "[data]\ndataset = \"xor\"\n"
    r = run(["train", write(tmp_path, spec, "net.toml")])
    assert r.code == 2 and "NETWORK_PARAMS" in r.err and "line 2" in r.err


def test_data_rows_and_cells(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "DATA_ROWS", 3)
    (tmp_path / "d.csv").write_text("0.5,0.5,1,0\n" * 4)
    r = run(["train", write(tmp_path, SPEC_HEAD + '[data]\ncsv = "d.csv"\n', "net.toml")])
    assert r.code == 2 and "DATA_ROWS" in r.err
    inline = SPEC_HEAD + "[data]\nx = [[0, 1], [1, 0], [1, 1], [0, 0]]\ny = [[1, 0], [0, 1], [1, 0], [0, 1]]\n"
    r = run(["train", write(tmp_path, inline, "inline.toml")])
    assert r.code == 2 and "DATA_ROWS" in r.err
    monkeypatch.setattr(limits, "DATA_ROWS", 1000)
    monkeypatch.setattr(limits, "DATA_CELLS", 10)
    r = run(["train", write(tmp_path, SPEC_HEAD + '[data]\ncsv = "d.csv"\n', "net2.toml")])
    assert r.code == 2 and "DATA_CELLS" in r.err


def test_epochs(tmp_path: Path) -> None:
    r = run(["train", "examples/xor.toml", "--epochs", str(limits.EPOCHS + 1)])
    assert r.code == 2 and "EPOCHS" in r.err


def test_query_work(monkeypatch) -> None:
    monkeypatch.setattr(limits, "QUERY_WORK", 50)
    head = "import torch\nx = torch.tensor(1., requires_grad=True)\n"
    head += "".join(f"y{i} = x*{i + 1}.\n" for i in range(10))
    queries = "".join(f"g{i} = torch.autograd.grad(y{i}, [x], retain_graph=True)[0]\n" for i in range(10))
    with pytest.raises(BadInput) as err:
        parse_program(head + queries)
    assert "QUERY_WORK" in err.value.message and err.value.line is not None and err.value.line > 12
    parse_program(head + queries.split("\n")[0] + "\n")  # one query: well inside


# -- PyTorch model files (lang/torch_model, network/model_*) --------------------------------------------
def post_file(tmp_path: Path, head: str = "", name: str = "model.py", old: str = "", new: str = "") -> str:
    from tests.network.model_cases import POST

    text = head + POST
    if old:
        assert old in text
        text = text.replace(old, new)
    return write(tmp_path, text, name)


def test_model_train_work(tmp_path: Path) -> None:
    r = run(["train", post_file(tmp_path, "num_epochs = 1000000\n")])
    assert r.code == 2 and "MODEL_TRAIN_WORK" in r.err and "at most 69,060 epochs" in r.err


def test_model_activation_cells(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr("backprop_tui.network.model_bind.MAX_CELLS", 1000)
    r = run(["train", post_file(tmp_path, "num_epochs = 2\n")])
    assert r.code == 2 and "MODEL_ACTIVATION_CELLS" in r.err and "rows through layers of 10-20-2" in r.err


def test_model_data_cells(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr("backprop_tui.lang.torch_model.data.MAX_CELLS", 100)
    head = "import torch\ntorch.manual_seed(0)\nX = torch.randn(20, 10)\ny = torch.randint(0, 2, (20,))\n" \
           "num_epochs = 2\n"
    r = run(["train", post_file(tmp_path, head)])
    assert r.code == 2 and "MODEL_DATA_CELLS" in r.err and "200 numbers" in r.err


def test_model_expr_nodes(tmp_path: Path) -> None:
    guard = " and ".join(["epoch >= 0"] * 70)
    r = run(["train", post_file(tmp_path, "num_epochs = 2\n", "guard.py", "if (epoch+1) % 100 == 0:",
                                f"if {guard}:")])
    assert r.code == 2 and "MODEL_EXPR_NODES" in r.err and "at most 200" in r.err


def test_model_format_width(tmp_path: Path) -> None:
    r = run(["train", post_file(tmp_path, "num_epochs = 2\n", "wide.py", "Loss: {:.4f}", "Loss: {:.400f}")])
    assert r.code == 2 and "MODEL_FORMAT_WIDTH" in r.err


def test_model_float32_lines(monkeypatch) -> None:
    """The float32 comparison covers the first MODEL_FLOAT32_LINES printed epochs (a budget, not an error)."""
    from types import SimpleNamespace

    from backprop_tui.network import model_cli

    monkeypatch.setattr(model_cli, "MAX_COMPARED", 3)
    bound = SimpleNamespace(plan=SimpleNamespace(prints=[SimpleNamespace(uses_loss=True)]))
    assert model_cli.compared_epochs(bound, [bytearray([1] * 10)]) == [1, 2, 3]
