#!/usr/bin/env python3
"""Set up and run backprop-tui with nothing but Python 3.11+.

    python3 dev.py run [ARGS...]   create .venv if needed, install, run the app (ARGS go to backprop-tui)
    python3 dev.py test [ARGS...]  create .venv if needed, install with test extras, ruff + pytest
    python3 dev.py setup           only create and install (with the test extras)
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
# torch's CPU wheel: never let pip resolve a multi-GB CUDA build
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def sh(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True)


def setup(extras: str) -> None:
    stamp = VENV / f".installed-{extras or 'app'}"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    if not PY.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [PY, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    # torch first, alone: the pinned CPU build (a local wheel where the machine has one, else the CPU index)
    try:
        sh(*pip, "torch==2.13.0")
    except subprocess.CalledProcessError:
        sh(*pip, "torch==2.13.0", "--index-url", TORCH_CPU_INDEX)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    sh(*pip, "-e", target)
    stamp.touch()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "setup"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        setup("")
        return subprocess.call([str(BIN / "backprop-tui"), *rest])
    setup("test")
    if command == "setup":
        return 0
    lint = subprocess.call([str(PY), "-m", "ruff", "check", str(ROOT)])
    tests = subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)
    return tests or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
