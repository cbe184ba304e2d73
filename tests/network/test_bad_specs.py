"""Every bad spec: exit 2, a short message on stderr naming where and what, no traceback, nothing printed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from backprop_tui.errors import BadInput
from backprop_tui.network.cli import expand, trace_network, train
from backprop_tui.network.spec import parse_spec

GOOD = """\
[network]
sizes = [2, 2, 2]
activation = "sigmoid"
output = "sigmoid"
loss = "half_sse"
lr = 0.5

[params]
"fc1.weight" = [[0.15, 0.20], [0.25, 0.30]]

[data]
x = [[0.05, 0.10]]
y = [[0.01, 0.99]]
"""


def bad(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


CASES = {
    "unreadable toml": (bad("lr = 0.5", "lr = = 0.5"), ["TOML", "line 6"]),
    "unclosed list": (bad("sizes = [2, 2, 2]", "sizes = [2, 2, 2"), ["TOML"]),
    "unknown activation": (bad('activation = "sigmoid"', 'activation = "swish"'), ["activation", "swish"]),
    "unknown activation in a list": (bad('activation = "sigmoid"', 'activation = ["gelu"]'), ["activation[0]"]),
    "activation list too long": (bad('activation = "sigmoid"', 'activation = ["relu", "tanh"]'), ["one activation"]),
    "unknown output": (bad('output = "sigmoid"', 'output = "softplus"'), ["output", "softplus"]),
    "unknown loss": (bad('loss = "half_sse"', 'loss = "hinge"'), ["loss", "hinge"]),
    "bce with softmax": (bad('output = "sigmoid"', 'output = "softmax"').replace("half_sse", "bce"),
                         ["bce", "softmax"]),
    "cross_entropy with sigmoid": (bad('loss = "half_sse"', 'loss = "cross_entropy"'),
                                   ["cross_entropy", "sigmoid"]),
    "weight shape": (bad("[[0.15, 0.20], [0.25, 0.30]]", "[[0.15, 0.20, 0.1], [0.25, 0.30, 0.1]]"),
                     ["fc1.weight", "(2, 2)"]),
    "bias shape": (bad('"fc1.weight" = [[0.15, 0.20], [0.25, 0.30]]', '"fc1.bias" = [0.1, 0.2, 0.3]'),
                   ["fc1.bias", "2 numbers"]),
    "data too wide": (bad("x = [[0.05, 0.10]]", "x = [[0.05, 0.10, 0.2]]"), ["x", "3 numbers", "takes 2"]),
    "targets too narrow": (bad("y = [[0.01, 0.99]]", "y = [[0.01]]"), ["y", "1 number", "output layer"]),
    "target count": (bad("y = [[0.01, 0.99]]", "y = [[0.01, 0.99], [0.5, 0.5]]"), ["one target per row"]),
    "string in data": (bad("x = [[0.05, 0.10]]", 'x = [[0.05, "0.10"]]'), ["x[0][1]", "string"]),
    "nan in data": (bad("x = [[0.05, 0.10]]", "x = [[0.05, nan]]"), ["x[0][1]", "finite"]),
    "inf in params": (bad("[[0.15, 0.20], [0.25, 0.30]]", "[[0.15, inf], [0.25, 0.30]]"), ["fc1.weight"]),
    "string in params": (bad("[[0.15, 0.20], [0.25, 0.30]]", '[[0.15, "a"], [0.25, 0.30]]'), ["string"]),
    "boolean as a number": (bad("lr = 0.5", "lr = true"), ["lr", "boolean"]),
    "unknown param name": (bad('"fc1.weight"', '"fc3.weight"'), ["fc3.weight", "no parameter"]),
    "unknown freeze name": (bad("lr = 0.5", 'lr = 0.5\nfreeze = ["fc1.gamma"]'), ["freeze", "fc1.gamma"]),
    "zero lr": (bad("lr = 0.5", "lr = 0"), ["lr", "above 0"]),
    "negative lr": (bad("lr = 0.5", "lr = -0.1"), ["lr", "above 0"]),
    "missing lr": (bad("lr = 0.5\n", ""), ["lr", "required"]),
    "too many parameters": (bad("sizes = [2, 2, 2]", "sizes = [2, 2000, 2000, 2]"), ["sizes", "limit"]),
    "huge sizes": (bad("sizes = [2, 2, 2]", "sizes = [2, 100000000000, 2]"), ["sizes", "limit"]),
    "zero width": (bad("sizes = [2, 2, 2]", "sizes = [2, 0, 2]"), ["sizes", "at least 1"]),
    "sizes not numbers": (bad("sizes = [2, 2, 2]", 'sizes = [2, "two", 2]'), ["sizes[1]"]),
    "one size": (bad("sizes = [2, 2, 2]", "sizes = [2]"), ["sizes"]),
    "negative seed": (bad("lr = 0.5", "lr = 0.5\nseed = -1"), ["seed", "0 or more"]),
    "fractional seed": (bad("lr = 0.5", "lr = 0.5\nseed = 1.5"), ["seed", "whole number"]),
    "negative data seed": (bad("x = [[0.05, 0.10]]\ny = [[0.01, 0.99]]", 'dataset = "spiral"\nseed = -3'),
                           ["[data] seed"]),
    "no network table": ("[data]\nx = [[1.0]]\ny = [[1.0]]\n", ["[network]"]),
    "unknown table": (GOOD + "\n[extra]\na = 1\n", ["[extra]"]),
    "unknown network key": (bad("lr = 0.5", "lr = 0.5\nmomentum = 0.9"), ["momentum"]),
    "no data": (GOOD.split("[data]")[0], ["[data]"]),
    "two data sources": (bad("x = [[0.05, 0.10]]", 'x = [[0.05, 0.10]]\ndataset = "xor"'), ["exactly one"]),
    "unknown dataset": (bad("x = [[0.05, 0.10]]\ny = [[0.01, 0.99]]", 'dataset = "mnist"'), ["mnist"]),
    "dataset wrong width": (bad("x = [[0.05, 0.10]]\ny = [[0.01, 0.99]]", 'dataset = "iris"'),
                            ["iris", "4 features"]),
    "class index out of range": (bad('output = "sigmoid"', 'output = "softmax"').replace("half_sse", "cross_entropy")
                                 .replace("y = [[0.01, 0.99]]", "y = [2]"), ["class index 2"]),
    "bce target outside 0..1": (bad('loss = "half_sse"', 'loss = "bce"').replace("0.99", "1.5"), ["between 0 and 1"]),
    "missing csv": (bad("x = [[0.05, 0.10]]\ny = [[0.01, 0.99]]", 'csv = "does-not-exist.csv"'), ["no such file"]),
    "softmax with one output": (bad("sizes = [2, 2, 2]", "sizes = [2, 2, 1]").replace('output = "sigmoid"',
                                'output = "softmax"').replace("y = [[0.01, 0.99]]", "y = [[1.0]]")
                                .replace('\n[params]\n"fc1.weight" = [[0.15, 0.20], [0.25, 0.30]]\n', ""),
                                ["at least 2"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_spec_exits_2_with_a_short_message(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, words = CASES[name]
    path = tmp_path / "net.toml"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    assert trace_network(str(path), "json", out) == 2
    assert out.getvalue() == ""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert 0 < len(err.strip().splitlines()) <= 4
    for word in words:
        assert word in err, (word, err)
    assert train(str(path), 10, None, "json", io.StringIO()) == 2
    assert expand(str(path), "fc1:0", 0, io.StringIO()) == 2
    capsys.readouterr()


def test_toml_errors_name_line_and_column() -> None:
    with pytest.raises(BadInput) as info:
        parse_spec(bad("lr = 0.5", "lr = = 0.5"))
    assert info.value.line == 6 and info.value.col is not None


def test_semantic_errors_name_the_line_of_the_key() -> None:
    with pytest.raises(BadInput) as info:
        parse_spec(bad('loss = "half_sse"', 'loss = "hinge"'))
    assert info.value.line == 5


def test_good_spec_is_fine() -> None:
    spec = parse_spec(GOOD)
    assert spec.sizes == (2, 2, 2) and spec.given == ("fc1.weight",)


@pytest.mark.parametrize(("epochs", "every"), [(0, None), (-3, None), (10, 0)])
def test_bad_epochs_exit_2(epochs: int, every: int | None, capsys: pytest.CaptureFixture[str]) -> None:
    assert train("examples/xor.toml", epochs, every, "text", io.StringIO()) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_file_and_bad_format_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert trace_network("no/such/net.toml", "text", io.StringIO()) == 2
    assert trace_network("examples/xor.toml", "yaml", io.StringIO()) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize(("neuron", "row"), [("fc3:0", 0), ("fc1:9", 0), ("layer1", 0), ("fc1:0", 4)])
def test_bad_neuron_or_row_exit_2(neuron: str, row: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert expand("examples/xor.toml", neuron, row, io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "--neuron" in err or "--row" in err


def test_bad_csv_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.csv").write_text("a,b,label\n1,2,0\n3,oops,1\n", encoding="utf-8")
    spec = (tmp_path / "net.toml")
    spec.write_text('[network]\nsizes = [2, 3, 2]\noutput = "identity"\nloss = "cross_entropy"\nlr = 0.1\n'
                    '[data]\ncsv = "d.csv"\n', encoding="utf-8")
    assert trace_network(str(spec), "text", io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "row 2, column 2" in err and "oops" in err


def test_the_line_found_is_in_the_right_table() -> None:
    text = ('[network]\nsizes = [2, 2, 1]\noutput = "sigmoid"\nloss = "bce"\nlr = 0.1\nseed = 1\n\n'
            '[data]\ndataset = "xor"\nseed = "one"\n')
    with pytest.raises(BadInput) as info:
        parse_spec(text)
    assert info.value.line == 10 and "[data] seed" in str(info.value)
