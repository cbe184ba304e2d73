"""Time to first paint in a real terminal (tmux): the app on the seed chain vs a bare Textual app.

Each launch starts a detached tmux session running the program and polls `tmux capture-pane` until the
screen shows its marker text (the seed chain's graph for the app, the Footer for the bare app). Median of
6 launches each. Target: the app within 1.3x the bare app.

    .venv/bin/python bench/first_paint.py [--runs 6]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """\
from textual.app import App
from textual.widgets import Footer, Header


class Bare(App):
    def compose(self):
        yield Header()
        yield Footer()


Bare().run()
"""
APP = "from backprop_tui.tui.launch import launch; launch(None)"


def pane(session: str) -> str:
    out = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True)
    return out.stdout


def one(command: list[str], markers: tuple[str, ...], session: str, timeout: float = 20.0) -> float:
    env = {**os.environ, "TERM": "xterm-256color"}
    shell = " ".join(f"'{c}'" for c in command)
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-x", "100", "-y", "30", "-s", session, shell], check=True,
                   env=env)
    try:
        while time.perf_counter() - start < timeout:
            text = pane(session)
            if all(m in text for m in markers):
                return time.perf_counter() - start
            time.sleep(0.005)
        raise RuntimeError(f"{session}: no paint within {timeout} s:\n{pane(session)}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        time.sleep(0.3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        bare = os.path.join(tmp, "bare.py")
        with open(bare, "w") as f:
            f.write(BARE)
        bare_times, app_times = [], []
        for i in range(args.runs):  # interleaved, so both see the same machine load
            bare_times.append(one([sys.executable, bare], ("palette",), f"bp-bare-{os.getpid()}-{i}"))
            app_times.append(one([sys.executable, "-c", APP], ("╭─ x = input", "step 0 of 20", "palette"),
                                 f"bp-app-{os.getpid()}-{i}"))
            os.chdir(root)
    b, a = statistics.median(bare_times), statistics.median(app_times)
    print(f"bare Textual app (Header+Footer): median {b * 1000:.0f} ms  {[round(t * 1000) for t in bare_times]}")
    print(f"backprop-tui on the seed chain:   median {a * 1000:.0f} ms  {[round(t * 1000) for t in app_times]}")
    print(f"ratio {a / b:.2f}x  (target <= 1.3x)")


if __name__ == "__main__":
    main()
