"""Helpers for the core suites: run the command line in-process, and a torch referee without a child."""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backprop_tui.check.figures import Figures
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


class InProcessReferee:
    """Stands in for check.remote.Referee: the same torch figures, without a child process (fast tests).

    The same answer as the real one's server (check.serve.answer), computed in figures(), where the
    real one's answer arrives: bad input must still be reported by the parent's own parse.
    """

    def __init__(self, source: str, output: str | None, atomic: bool = False) -> None:
        self.source, self.output, self.atomic = source, output, atomic

    def figures(self) -> Figures:
        from backprop_tui.check.serve import answer, figures_from_json

        reply = answer({"id": 1, "text": self.source, "output": self.output, "atomic": self.atomic, "fd": False})
        if not reply["ok"]:
            raise BadInput(f"the torch referee failed: {reply['error']}")
        return figures_from_json(reply["figures"])

    def send(self, program: object = None) -> None:
        pass  # the real one sends the parsed program; this one answers from the text in figures()

    def cancel(self) -> None:
        pass


__all__ = ["ACCEPTANCE", "ROOT", "WHERE", "BadInput", "InProcessReferee", "Run", "acceptance_dir", "run", "write"]
