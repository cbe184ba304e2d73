"""Time to first paint in a real terminal (tmux, 120x40): the installed `backprop-tui` console script on the
seed chain against a bare Textual app (a Header, one Static and a Footer; its source is BARE below).

Each launch starts a detached tmux session running the program and polls `tmux capture-pane` until the
screen shows its marker:
- backprop-tui: the graph panel shows the output node y2, its name on its wire and its value's slot
  above the wire (`?` at step 0: values are revealed by stepping), inside the panel titled "graph";
- the bare app: the Static's text.
Median of N launches each, interleaved so both see the same machine load. Target: the app within 1.3x.

Both run from bytecode, as an installed program does: pip compiles textual's modules when it installs them,
and this bench compiles backprop_tui's first (an editable install leaves that to the first run, which a
PYTHONDONTWRITEBYTECODE=1 environment never does: then every launch recompiles ~60 modules, ~55 ms).

    .venv/bin/python bench/first_paint.py [--runs 8]
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """\
from textual.app import App
from textual.widgets import Footer, Header, Static


class Bare(App):
    def compose(self):
        yield Header()
        yield Static("a bare Textual app: a Header, one Static and a Footer")
        yield Footer()


Bare().run()
"""
SIZE = ("120", "40")


def pane(session: str) -> str:
    out = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True)
    return out.stdout


def graph_shows_output(text: str) -> bool:
    """y2 on its wire (`y2 ─`) inside the graph panel, with its value's slot (`?` or a number) above it."""
    lines = text.splitlines()
    if not any("graph" in line for line in lines[:3]):
        return False
    for i, line in enumerate(lines[1:], start=1):
        m = re.search(r" y2 ─", line)
        if m and re.search(r"[?\d]", lines[i - 1][m.start() + 4: m.start() + 12]):
            return True
    return False


def bare_shows(text: str) -> bool:
    return "a bare Textual app" in text


def one(command: list[str], ready, session: str, timeout: float = 30.0) -> float:
    env = {**os.environ, "TERM": "xterm-256color"}
    shell = " ".join(f"'{c}'" for c in command)
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-x", SIZE[0], "-y", SIZE[1], "-s", session, shell], check=True,
                   env=env)
    try:
        while time.perf_counter() - start < timeout:
            if ready(pane(session)):
                return time.perf_counter() - start
            time.sleep(0.003)
        raise RuntimeError(f"{session}: no paint within {timeout} s:\n{pane(session)}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        time.sleep(0.3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    script = os.path.join(os.path.dirname(sys.executable), "backprop-tui")
    if not os.path.exists(script):
        raise SystemExit(f"no console script at {script}: install the project (python3 dev.py setup)")
    import backprop_tui

    compileall.compile_dir(os.path.dirname(backprop_tui.__file__), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        bare = os.path.join(tmp, "bare.py")
        with open(bare, "w") as f:
            f.write(BARE)
        bare_times, app_times = [], []
        for i in range(args.runs):
            bare_times.append(one([sys.executable, bare], bare_shows, f"bp-bare-{os.getpid()}-{i}"))
            app_times.append(one([script], graph_shows_output, f"bp-app-{os.getpid()}-{i}"))
    b, a = statistics.median(bare_times), statistics.median(app_times)
    print(f"bare Textual app (Header, Static, Footer): median {b * 1000:.0f} ms  "
          f"{[round(t * 1000) for t in bare_times]}")
    print(f"backprop-tui (console script), seed chain: median {a * 1000:.0f} ms  "
          f"{[round(t * 1000) for t in app_times]}")
    print(f"ratio {a / b:.2f}x  (target <= 1.3x), at {SIZE[0]}x{SIZE[1]}; fastest to fastest "
          f"{min(app_times) / min(bare_times):.2f}x (a shared machine's noise only adds time)")


if __name__ == "__main__":
    main()
