#!/usr/bin/env python3
"""Set up and run backprop-tui with nothing but Python 3.11+.

    python3 dev.py run [ARGS...]   create .venv if needed, install, run the app (ARGS go to backprop-tui)
    python3 dev.py test [ARGS...]  create .venv if needed, install with test extras, ruff + pytest
    python3 dev.py setup           only create and install (with the test extras)
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
TORCH = "torch==2.13.0"
# torch's CPU wheel: on Linux and Windows PyPI's default torch is the CUDA build (several GB with its nvidia-*
# packages); PyTorch's own CPU index has the ~200 MB CPU build. macOS wheels are CPU-only everywhere.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# fail fast where that index cannot be reached (an environment may set a 180 s pip timeout): under a second
QUICK = ("--timeout", "3", "--retries", "0")


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
    install_torch(pip)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    sh(*pip, "-e", target)
    stamp.touch()


def install_torch(pip: list) -> None:
    """torch first and alone, the CPU build where torch ships separate ones; says what it chose and why."""
    separate_builds = platform.system() in ("Linux", "Windows")
    if separate_builds:
        print(f"torch: trying the CPU build from PyTorch's CPU index ({TORCH_CPU_INDEX}): on "
              f"{platform.system()} the default index's torch is the multi-GB CUDA build", flush=True)
        if subprocess.run([str(c) for c in (*pip, TORCH, "--index-url", TORCH_CPU_INDEX, *QUICK)]).returncode == 0:
            print(f"torch: installed {_torch_version()} (CPU index, or a local wheel pip is configured to "
                  "find)", flush=True)
            return
        print("torch: PyTorch's CPU index is out of reach; falling back to the default index (a local "
              "wheel where pip is configured with one)", flush=True)
    else:
        print(f"torch: the default index ({platform.system()} wheels of torch are CPU builds)", flush=True)
    sh(*pip, TORCH)
    print(f"torch: installed {_torch_version()} from the default index", flush=True)


def _torch_version() -> str:
    """The installed torch's version without importing it (+cpu marks PyTorch's CPU build)."""
    out = subprocess.run([str(PY), "-m", "pip", "show", "torch"], capture_output=True, text=True).stdout
    version = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Version:")), "?")
    return f"torch {version}"


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
