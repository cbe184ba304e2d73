"""The classroom server for real (`backprop-tui serve` in a child process, a real referee, real apps):
the seat cap, the full page, a closed tab freeing its seat, and Ctrl+C stopping everything."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import time
from pathlib import Path

import aiohttp
import pytest

from tests.serve.helpers import Served, alive

pytestmark = pytest.mark.real_referee


async def wait_for_index(session: aiohttp.ClientSession, url: str, status: int, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        async with session.get(url) as response:
            text = await response.text()
            if response.status == status or time.monotonic() > deadline:
                assert response.status == status, text
                return text
        await asyncio.sleep(0.2)


async def test_the_seat_cap_the_full_page_and_a_closed_tab_freeing_its_seat():
    served = Served("--max-sessions", "1")
    try:
        ws_url = f"{served.url}ws?width=100&height=30"
        async with aiohttp.ClientSession() as session:
            page = await wait_for_index(session, served.url, 200)
            assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
            assert "<title>backprop-tui</title>" in page

            # another site's page cannot open a session (websockets ignore the same-origin rule), nor can a
            # name that is not this computer's reach a loopback server (DNS rebinding)
            with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
                await session.ws_connect(ws_url, headers={"Origin": "http://evil.example"})
            assert foreign.value.status == 403
            async with session.get(served.url, headers={"Host": f"evil.example:{served.port}"}) as rebound:
                assert rebound.status == 403
                assert await rebound.text() == "backprop-tui: refused: this server answers for this computer only"
            same_site = await session.ws_connect(ws_url, headers={"Origin": served.url.rstrip("/")})
            await same_site.close()  # the page's own origin is welcome
            await wait_for_index(session, served.url, 200)
            first = await session.ws_connect(ws_url)
            frame = await asyncio.wait_for(first.receive(), 60)  # the app's first output: it runs
            assert frame.type == aiohttp.WSMsgType.BINARY, frame

            async with session.get(served.url) as full:  # the index page refuses tab 2
                text = await full.text()
                assert full.status == 503 and full.headers["Retry-After"] == "60"
                assert "<h1>This classroom is full</h1>" in text
                assert "Its one seat is taken: each open tab runs its own copy of backprop-tui." in text
                assert "Try again in a minute or two" in text
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:  # and so does the websocket
                await session.ws_connect(ws_url)
            assert refused.value.status == 503

            await first.close()  # the first learner closes the tab: the seat is free again
            await wait_for_index(session, served.url, 200)
            second = await session.ws_connect(ws_url)
            frame = await asyncio.wait_for(second.receive(), 60)
            assert frame.type == aiohttp.WSMsgType.BINARY, frame
            await second.close()
        assert "full: refused a websocket (1 of 1 seats taken)" in served.output
    finally:
        served.stop()


async def test_ctrl_c_stops_the_server_every_app_and_the_referee():
    served = Served("--max-sessions", "3")
    try:
        async with aiohttp.ClientSession() as session:
            tabs = [await session.ws_connect(f"{served.url}ws") for _ in range(2)]
            for tab in tabs:
                await asyncio.wait_for(tab.receive(), 60)
            children = served.children()
            assert len(children) == 3, served.output  # the referee and two apps
            commands = [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in children]
            listen = [c[c.index(b"--listen") + 1].decode() for c in commands if b"--listen" in c]
            assert len(listen) == 1 and listen[0].startswith("unix:")  # one referee, on a Unix socket
            socket_path = Path(listen[0].removeprefix("unix:"))
            assert stat.S_IMODE(socket_path.stat().st_mode) == 0o600  # the user's alone,
            assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700  # in a folder only the user enters
            assert served.stop() == 0
            for tab in tabs:  # each tab is told its session ended (after what the app drew before)
                message = await asyncio.wait_for(tab.receive(), 10)
                while message.type == aiohttp.WSMsgType.BINARY:
                    message = await asyncio.wait_for(tab.receive(), 10)
                assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not [pid for pid in children if alive(pid)]
        assert not socket_path.parent.exists()
        assert served.output.endswith("backprop-tui serve: stopped (every tab's app and the referee)\n")
    finally:
        served.stop()


async def test_a_referee_that_dies_mid_class_is_started_again(tmp_path):
    status = tmp_path / "status-{pid}.json"
    served = Served("--max-sessions", "2", env={"BACKPROP_TUI_STATUS": str(status)})
    try:
        referee = next(pid for pid in served.children() if b"check.server" in Path(f"/proc/{pid}/cmdline").read_bytes())
        os.kill(referee, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while "the torch referee is back" not in served.output and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert "the torch referee exited (status -9); starting it again" in served.output, served.output
        async with aiohttp.ClientSession() as session:
            tab = await session.ws_connect(f"{served.url}ws")
            drain = asyncio.create_task(tab.receive())  # the app's first frame, read as a browser would
            verdict = ""
            while not verdict.startswith("✓") and time.monotonic() < deadline + 60:
                await asyncio.sleep(0.2)
                for path in tmp_path.glob("status-*.json"):
                    verdict = json.loads(path.read_text()).get("torch", "")
            assert verdict == "✓ torch agrees on all 20 steps"  # the new tab is checked by the new referee
            drain.cancel()
            await tab.close()
    finally:
        served.stop()
