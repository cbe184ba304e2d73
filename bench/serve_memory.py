"""Memory of a browser classroom (`backprop-tui serve`) for 1 and for 10 sessions, against a referee per tab.

Starts `backprop-tui serve --port 0`, opens N sessions as a browser does (a websocket each, 120x40 cells),
waits until every tab's app shows the seed chain checked by the one shared referee ("✓ torch agrees on all
20 steps", read from each app's status file), then reads from /proc (Linux) for every process:
- RSS: resident memory, each process counted whole (shared library pages once per process);
- PSS: proportional set size (/proc/PID/smaps_rollup), shared pages split between the processes that
  share them: the sum of PSS is what the processes together cost the machine.
The naive design, a referee per tab (as `backprop-tui` in a terminal starts its own), is measured too:
N referees started at once as child processes (each imports torch and answers a ping), added to the same
server and apps. Their sum of PSS is the honest figure (the N copies share libtorch's code pages); their
sum of RSS counts those pages N times. One referee's RSS is the "~220 MB per torch import".

    .venv/bin/python bench/serve_memory.py [--sessions 1 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp

MIB = 1024 * 1024


def kib_field(text: str, field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(found.group(1)) * 1024 if found else 0


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process, in bytes."""
    rss = kib_field(Path(f"/proc/{pid}/status").read_text(), "VmRSS")
    pss = kib_field(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss")
    return rss, pss


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if re.search(rf"^PPid:\s+{pid}$", (entry / "status").read_text(), re.M):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def is_referee(pid: int) -> bool:
    return b"backprop_tui.check.server" in Path(f"/proc/{pid}/cmdline").read_bytes()


class Server:
    def __init__(self, sessions: int, status: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "BACKPROP_TUI_REFEREE"}
        env["BACKPROP_TUI_STATUS"] = status
        self.process = subprocess.Popen([sys.executable, "-m", "backprop_tui", "serve", "--port", "0",
                                         "--max-sessions", str(sessions)], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=env)
        self.url = ""
        ready = threading.Event()

        def read() -> None:
            for line in self.process.stdout:  # type: ignore[union-attr]
                found = re.search(r"learners open (http://\S+/) in a browser", line)
                if found:
                    self.url = found.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(300)
        if not self.url:
            raise SystemExit("serve did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(60)


async def measure(sessions: int) -> dict[str, object]:
    folder = tempfile.mkdtemp(prefix="serve-memory-")
    server = Server(sessions, os.path.join(folder, "status-{pid}.json"))
    try:
        async with aiohttp.ClientSession() as client:
            tabs = [await client.ws_connect(f"{server.url}ws?width=120&height=40") for _ in range(sessions)]
            drains = [asyncio.create_task(drain(tab)) for tab in tabs]
            deadline = time.monotonic() + 300
            while checked(folder) < sessions and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            if checked(folder) < sessions:
                raise SystemExit(f"only {checked(folder)} of {sessions} tabs were checked by torch in 300 s")
            await asyncio.sleep(1.0)
            pids = children(server.process.pid)
            referee = [p for p in pids if is_referee(p)]
            apps = [p for p in pids if p not in referee]
            figures = {"sessions": sessions, "server": memory(server.process.pid),
                       "referee": memory(referee[0]), "apps": [memory(p) for p in apps]}
            for tab in tabs:
                await tab.close()
            for task in drains:
                task.cancel()
    finally:
        server.stop()
    return figures


async def drain(tab: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in tab:  # what the app draws: read, as a browser would, so that nothing backs up
        pass


def checked(folder: str) -> int:
    done = 0
    for path in Path(folder).glob("status-*.json"):
        try:
            done += json.loads(path.read_text()).get("torch", "").startswith("✓")
        except (OSError, ValueError):
            continue
    return done


def naive_referees(n: int) -> list[tuple[int, int]]:
    """Memory of `n` referees started at once, one per tab, each with torch imported and a request answered."""
    from backprop_tui.check.client import Referee

    referees = [Referee(address="") for _ in range(n)]  # "": not BACKPROP_TUI_REFEREE's: a child each
    try:
        for referee in referees:
            referee.start()
        for referee in referees:
            referee.request("ping", timeout=600)
        return [memory(referee.pid) for referee in referees]  # type: ignore[arg-type]
    finally:
        for referee in referees:
            referee.close()


def row(label: str, rss: float, pss: float) -> None:
    print(f"  {label:<34} RSS {rss / MIB:7.1f} MB   PSS {pss / MIB:7.1f} MB")


def report(f: dict) -> None:
    n, apps, own = f["sessions"], f["apps"], f["naive"]
    server, referee = f["server"], f["referee"]
    apps_rss, apps_pss = sum(a[0] for a in apps), sum(a[1] for a in apps)
    own_rss, own_pss = sum(r[0] for r in own), sum(r[1] for r in own)
    print(f"{n} session{'s' if n > 1 else ''}:")
    row("server (aiohttp, textual-serve)", *server)
    row("the one torch referee", *referee)
    row(f"apps: {len(apps)} (mean of one)", apps_rss / len(apps), apps_pss / len(apps))
    row("total, one shared referee", server[0] + referee[0] + apps_rss, server[1] + referee[1] + apps_pss)
    row(f"instead: {len(own)} referee{'s' if len(own) > 1 else ''}, one per tab", own_rss, own_pss)
    row("total, a referee per tab", server[0] + apps_rss + own_rss, server[1] + apps_pss + own_pss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10])
    args = parser.parse_args()
    if not Path("/proc/self/smaps_rollup").exists():
        raise SystemExit("needs Linux's /proc (RSS and PSS per process)")
    for n in args.sessions:
        figures = asyncio.run(measure(n))
        figures["naive"] = naive_referees(n)
        report(figures)


if __name__ == "__main__":
    main()
