"""Helpers for the core suites: run the command line in-process, and a torch referee without a child."""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backprop_tui.cli import main
from backprop_tui.errors import BadInput

WHERE = re.compile(r"line (\d+), column (\d+)")
ROOT = Path(__file__).resolve().parent.parent  # tests/ -> the repository
ACCEPTANCE = ROOT.parent / "shared" / "acceptance"


def acceptance_dir() -> Path:
    """../shared/acceptance next to the repository; the calling test skips, saying why, if it is absent."""
    import pytest

    if not ACCEPTANCE.is_dir():
        pytest.skip(f"the acceptance folder {ACCEPTANCE} is absent (expected next to the repository {ROOT})")
    return ACCEPTANCE


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.out)


def run(argv: list[str], capsys=None) -> Run:
    """`main(argv)` with its output captured (capsys when given, else redirected)."""
    if capsys is not None:
        capsys.readouterr()
        code = main(argv)
        got = capsys.readouterr()
        return Run(code, got.out, got.err)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Run(code, out.getvalue(), err.getvalue())


def write(tmp_path: Path, text: str | bytes, name: str = "prog.bp") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


__all__ = ["ACCEPTANCE", "ROOT", "WHERE", "BadInput", "Run", "acceptance_dir", "run", "write"]
