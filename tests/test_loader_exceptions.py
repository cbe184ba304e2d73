"""Every loader turns every exception its library can raise into a BadInput (exit status 2, an inline
error in the app): the library call is made to raise each one, and the loader must answer with a
message, not the exception. Libraries: os (files.read_bytes), ast (the snippet), tomllib (specs), csv
(data), and the chain tokenizer's float()."""

from __future__ import annotations

import csv
import errno
import re
from pathlib import Path

import pytest

from backprop_tui.errors import BadInput

LIBRARY_ERRORS = [RecursionError("maximum recursion depth exceeded"), MemoryError(),
                  ValueError("Exceeds the limit (4300 digits) for integer string conversion; use "
                             "sys.set_int_max_str_digits() to increase the limit")]
SPEC = '[network]\nsizes = [2, 2]\noutput = "sigmoid"\nloss = "mse"\nlr = 0.5\n[data]\nx = [[0, 1]]\ny = [[1, 0]]\n'


def assert_plain(err: BadInput) -> None:
    text = str(err)
    assert "set_int_max_str_digits" not in text and "Traceback" not in text and "maximum recursion" not in text


@pytest.mark.parametrize("error", [*LIBRARY_ERRORS, __import__("tomllib").TOMLDecodeError("Invalid value (at line 2, "
                                                                                          "column 3)")])
def test_the_spec_reader_maps_tomllib(monkeypatch, error: Exception) -> None:
    import tomllib

    from backprop_tui.network.spec import parse_spec

    def boom(text: str) -> dict:
        raise error

    monkeypatch.setattr(tomllib, "loads", boom)
    with pytest.raises(BadInput) as err:
        parse_spec(SPEC)
    assert_plain(err.value)


@pytest.mark.parametrize("error", [*LIBRARY_ERRORS, SyntaxError("invalid syntax", ("<snippet>", 3, 5, "y = ", 3, 6))])
def test_the_snippet_reader_maps_ast(monkeypatch, error: Exception) -> None:
    import ast

    from backprop_tui.lang import parse_program

    real = ast.parse

    def boom(source, filename="<unknown>", *args, **kwargs):
        if filename == "<snippet>":
            raise error
        return real(source, filename, *args, **kwargs)  # pytest itself parses to show a failure

    monkeypatch.setattr(ast, "parse", boom)
    with pytest.raises(BadInput) as err:
        parse_program("import torch\nx = torch.tensor(1., requires_grad=True)\ny = x*2\n")
    assert_plain(err.value)


@pytest.mark.parametrize("error", [csv.Error("field larger than field limit (131072)"), csv.Error("new-line character "
                                   "seen in unquoted field")])
def test_the_csv_reader_maps_csv(monkeypatch, tmp_path: Path, error: Exception) -> None:
    from backprop_tui.network import data

    (tmp_path / "d.csv").write_text("1,2,0,1\n")

    class Boom:
        line_num = 1

        def __iter__(self):
            return self

        def __next__(self):
            raise error

    monkeypatch.setattr(data.csv, "reader", lambda *a, **k: Boom())
    with pytest.raises(BadInput) as err:
        data.read_csv(tmp_path / "d.csv", 2)
    assert "d.csv line 1" in str(err.value)


@pytest.mark.parametrize("error", [PermissionError(errno.EACCES, "Permission denied"),
                                   OSError(errno.ENAMETOOLONG, "File name too long"),
                                   OSError(errno.ELOOP, "Too many levels of symbolic links"),
                                   IsADirectoryError(errno.EISDIR, "Is a directory"),
                                   ValueError("embedded null byte")])
def test_the_file_reader_maps_os(monkeypatch, tmp_path: Path, error: Exception) -> None:
    import os

    from backprop_tui import files

    target = tmp_path / "p.bp"
    target.write_text("x = 1\n")

    def boom(*args, **kwargs):
        raise error

    monkeypatch.setattr(os, "open", boom)
    with pytest.raises(BadInput) as err:
        files.read_bytes(target, "PROGRAM_BYTES", "program")
    assert str(target.name) in str(err.value)


def test_the_file_reader_maps_a_read_error(monkeypatch, tmp_path: Path) -> None:
    import os

    from backprop_tui import files

    target = tmp_path / "p.bp"
    target.write_text("x = 1\n")

    def boom(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fdopen", boom)
    with pytest.raises(BadInput, match="cannot read it"):
        files.read_bytes(target, "PROGRAM_BYTES", "program")


def test_every_loader_reads_through_the_capped_reader() -> None:
    """No loader opens a user's file by itself (Path.read_bytes / open would follow a FIFO or /dev/zero)."""
    root = Path(__file__).resolve().parent.parent / "backprop_tui"
    for name in ("cli.py", "tui/launch.py", "tui/actions.py", "network/spec.py", "network/data.py",
                 "network/cli.py"):
        lines = (root / name).read_text(encoding="utf-8").splitlines()
        source = "\n".join(line for line in lines if "resources.files" not in line)  # the package's own data
        assert ".read_bytes()" not in source and ".read_text(" not in source, name
        assert not re.search(r"(?<![\w.])open\(", source), name
