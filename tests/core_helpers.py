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
# the visible acceptance cases, vendored from ../shared/acceptance so that every test runs from the
# repository alone; tests/test_acceptance_copies.py checks the copies against ../shared where it exists
ACCEPTANCE = ROOT / "tests" / "acceptance"


def acceptance_dir() -> Path:
    """The vendored acceptance cases (tests/acceptance)."""
    return ACCEPTANCE


def shared_acceptance_dirs() -> list[Path]:
    """Where the originals may be: ../shared/acceptance beside the repository (a clone, as CI lays it), or
    beside the main checkout when this is a git worktree (its .git file names the main .git folder)."""
    found = []
    candidates = [ROOT.parent / "shared" / "acceptance"]
    git = ROOT / ".git"
    if git.is_file():  # "gitdir: /path/main/.git/worktrees/NAME"
        text = git.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            gitdir = Path(text.split(":", 1)[1].strip())
            if gitdir.parent.name == "worktrees":
                candidates.append(gitdir.parent.parent.parent.parent / "shared" / "acceptance")
    for c in candidates:
        if c.is_dir() and c.resolve() not in [f.resolve() for f in found]:
            found.append(c)
    return found


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
