"""Hostile and mistaken inputs, one kind per test (issue 11): each ends in exit status 2 and a short
message naming what and where, never a traceback, a hang or a memory blow-up."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from backprop_tui.errors import BadInput
from backprop_tui.lang import parse_program
from tests.core_helpers import run, write

SNIPPET_HEAD = "import torch\nx = torch.tensor(1., requires_grad=True)\n"
SPEC_HEAD = '[network]\nsizes = [2, 2]\noutput = "sigmoid"\nloss = "mse"\nlr = 0.5\n'


def refused(argv: list[str], *needles: str) -> str:
    r = run(argv)
    assert r.code == 2, (r.code, r.err)
    assert "Traceback" not in r.err and "Error:" not in r.err.replace("syntax error", "")
    assert len(r.err.splitlines()) <= 6, r.err
    for needle in needles:
        assert needle in r.err, r.err
    return r.err


# -- 1. super-linear work on plain input ----------------------------------------------------------
@pytest.mark.parametrize("filler", ["\n", "   \n", "\t\n", "# torch.autograd\n", " \r\n", "\r"])
def test_long_runs_of_blank_or_comment_lines_parse(filler: str, fast_referee) -> None:
    """`^\\s*` with MULTILINE rescanned every run of blank lines at each line: 100,000 never finished."""
    program = parse_program(filler * 100_000 + "x = 1\ny = 2*x\n")
    assert program.names == ["x", "y"]
    assert program.get("y").line == 100_002


def test_blank_runs_before_a_network_table_and_a_torch_import_are_still_found() -> None:
    from backprop_tui.lang.load import is_network_spec, is_torch_snippet

    assert is_network_spec(None, "\n" * 50_000 + "  [network]\nsizes = [1, 1]\n")
    assert not is_network_spec(None, "\n" * 50_000 + "x = 1\n")
    assert is_torch_snippet("\n" * 50_000 + "  import torch\n")


def test_a_long_non_ascii_snippet_line_reads_in_linear_time() -> None:
    """Columns were found by re-encoding the whole line for every node: quadratic on one long line."""
    text = SNIPPET_HEAD + "y = x" + " + x" * 20_000 + "  # é\nz = y * ü\n"
    with pytest.raises(BadInput) as err:
        parse_program(text)
    assert err.value.line == 4 and err.value.col == 9  # ü: characters, not bytes


# -- 2. output quadratic in input: softmax arity ------------------------------------------------------
def test_a_softmax_wider_than_the_cap_is_refused_with_its_place(tmp_path: Path) -> None:
    n = 1000
    text = "".join(f"x{j} = 1\n" for j in range(n)) + ", ".join(f"p{j}" for j in range(n)) + \
        " = softmax(" + ", ".join(f"x{j}" for j in range(n)) + ")\n"
    err = refused(["trace", write(tmp_path, text)], f"line {n + 1}", "SOFTMAX_ARITY", "1,000")
    assert "beyond the limit of 64" in err


# -- 3. unbounded and blocking reads ------------------------------------------------------------------
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
@pytest.mark.parametrize("command", ["trace", "train", "expand"])
def test_devices_are_refused(device: str, command: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    extra = ["--neuron", "fc1:0"] if command == "expand" else []
    refused([command, device, *extra], device, "not a regular file")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.bp"
    os.mkfifo(fifo)
    refused(["trace", str(fifo)], "not a regular file")
    refused(["train", str(fifo)], "not a regular file")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    refused(["trace", str(tmp_path)], "is a directory")


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "FIFO", "."])
def test_a_spec_whose_csv_is_not_a_regular_file_is_refused(tmp_path: Path, target: str) -> None:
    if target == "FIFO":
        target = str(tmp_path / "data.csv")
        os.mkfifo(target)
    spec = write(tmp_path, SPEC_HEAD + f'[data]\ncsv = "{target}"\n', "net.toml")
    refused(["train", spec, "--epochs", "1"], "[data] csv" if target != "." else "directory")


def test_a_program_over_the_size_cap_is_refused_before_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.bp"
    with open(path, "wb") as f:
        f.truncate(3 * 1024 * 1024)  # sparse: 3 MiB of NULs
    refused(["trace", str(path)], "PROGRAM_BYTES", "3 MiB")


# -- 4. library exceptions escaping -------------------------------------------------------------------
def test_a_spec_nesting_arrays_5000_deep_is_a_message_with_a_place(tmp_path: Path) -> None:
    deep = "[" * 5000 + "1" + "]" * 5000
    spec = write(tmp_path, SPEC_HEAD + f"[data]\nx = {deep}\ny = [[1, 0]]\n", "net.toml")
    for command in (["trace", spec], ["train", spec], ["expand", spec, "--neuron", "fc1:0"]):
        err = refused(command, "nested too deeply", "line 7")
        assert deep[:200] not in err  # the file's text is not dumped


def test_a_nul_in_the_csv_path_is_a_message(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC_HEAD + '[data]\ncsv = "a\\u0000b.csv"\n', "net.toml")
    refused(["train", spec], "NUL")


def test_a_csv_field_past_the_csv_modules_limit_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("1,2,0,1\n3," + "4" * 200_000 + ",1,0\n")
    spec = write(tmp_path, SPEC_HEAD + '[data]\ncsv = "d.csv"\n', "net.toml")
    refused(["train", spec], "d.csv line 2", "longer than")


def test_a_csv_stray_quote_and_binary_are_messages(tmp_path: Path) -> None:
    (tmp_path / "q.csv").write_bytes(b"1,2,0,1\n\xff\xfe,2,1,0\n")
    spec = write(tmp_path, SPEC_HEAD + '[data]\ncsv = "q.csv"\n', "net.toml")
    refused(["train", spec], "not UTF-8", "line 2")


def test_a_spec_integer_of_5000_digits_shows_no_python_internals(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC_HEAD.replace("lr = 0.5", "lr = " + "9" * 5000), "net.toml")
    err = refused(["train", spec], "too many digits", "line 5")
    assert "set_int_max_str_digits" not in err


def test_a_huge_whole_number_in_a_spec_is_a_message(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC_HEAD.replace("[2, 2]", "[2, " + "9" * 30 + "]"), "net.toml")
    refused(["train", spec], "[network] sizes", "too large")


# -- 5. output paths ----------------------------------------------------------------------------------
def test_screenshot_to_a_directory_named_svg(tmp_path: Path) -> None:
    (tmp_path / "d.svg").mkdir()
    refused(["--screenshot", str(tmp_path / "d.svg")], "is a directory")


def test_screenshot_through_a_file_or_nul_or_unwritable(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    refused(["--screenshot", str(tmp_path / "f" / "out.svg")], "does not exist")
    refused(["--screenshot", "a\x00b.svg"], "NUL")


def test_a_screenshot_write_error_is_exit_2(tmp_path: Path, monkeypatch) -> None:
    from backprop_tui.tui import launch

    with pytest.raises(BadInput, match="cannot write it"):
        launch.write_screenshot(str(tmp_path / "missing" / "out.svg"), "<svg/>")


# -- 7. messages with a place, without Python's internals ----------------------------------------------
def test_a_snippet_nested_100000_deep_names_line_and_column(tmp_path: Path) -> None:
    text = SNIPPET_HEAD + "y = " + "-" * 100_000 + "x\n"
    err = refused(["trace", write(tmp_path, text, "s.py")], "line 3, column")
    assert "NESTING" in err


@pytest.mark.parametrize("text", [
    SNIPPET_HEAD + "y = x * " + "7" * 5000 + "\n",
    "import torch\nx = torch.tensor(" + "1" * 5000 + ", dtype=torch.float64, requires_grad=True)\ny = x*2\n",
])
def test_a_very_long_integer_shows_no_python_advice(tmp_path: Path, text: str) -> None:
    err = refused(["trace", write(tmp_path, text, "s.py")], "digits", "line")
    assert "set_int_max_str_digits" not in err and "hexadecimal" not in err


@pytest.mark.parametrize("ending", ["\r", "\r\n"])
def test_old_mac_and_windows_line_endings_are_accepted(ending: str, fast_referee) -> None:
    program = parse_program(ending.join(["x = 1", "y = 2*x", "z = y + x", ""]))
    assert program.names == ["x", "y", "z"]
    with pytest.raises(BadInput) as err:
        parse_program(ending.join(["x = 1", "y = 2*", ""]))
    assert err.value.line == 2


def test_every_message_names_no_python_internals(tmp_path: Path) -> None:
    cases = [b"x = 1\x00", b"\xff\xfe", "x = 1\ny = " + "(" * 200 + "x" + ")" * 200, "y = x +"]
    for i, text in enumerate(cases):
        err = refused(["trace", write(tmp_path, text, f"c{i}.bp")])
        assert not re.search(r"Error\b|sys\.|Traceback|File \"", err), err


# -- 8. scripted keys, options, newcomers' mistakes -------------------------------------------------
def test_press_names_an_unknown_key() -> None:
    refused(["--press", "n,nosuchkey", "--screenshot", "out.svg"], "'nosuchkey'", "not a key name")


def test_press_accepts_textual_key_names() -> None:
    from backprop_tui.tui.keynames import is_key_name

    for key in ("n", "right", "pagedown", "ctrl+p", "question_mark", "shift+tab", "f1", "space", "enter", "+",
                "wait:50", "ctrl+z", "left_square_bracket", "escape"):
        assert is_key_name(key), key
    for key in ("nosuchkey", "ctrl+", "hyper+nokey", "wait:x", "Right"):
        assert not is_key_name(key), key


@pytest.mark.parametrize("command", ["train", "expand"])
def test_train_on_a_chain_program_says_what_it_is(command: str) -> None:
    extra = ["--neuron", "fc1:0"] if command == "expand" else []
    err = refused([command, "examples/chain.bp", *extra], f"{command} needs a network spec", "chain program",
                  "backprop-tui trace examples/chain.bp")
    assert "TOML" in err and "PyTorch model file" in err and "Invalid value" not in err


def test_a_mistyped_option_gets_the_subcommands_usage_and_a_suggestion(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        run(["trace", "f.bp", "--fromat", "json"], capsys)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "usage: backprop-tui trace" in err and "did you mean --format?" in err


def test_a_neuron_argument_with_a_long_run_of_spaces_or_digits() -> None:
    """`\\s*\\]?\\s*$` backtracked over a run of spaces (quadratic); a 5,000-digit unit overflowed int()."""
    refused(["expand", "examples/classic-2-2-2.toml", "--neuron", "fc2:0" + " " * 200_000 + "x"], "--neuron")
    refused(["expand", "examples/classic-2-2-2.toml", "--neuron", "fc2:" + "9" * 5000], "--neuron", "fc2:0")
