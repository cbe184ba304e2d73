"""The classroom's web server: textual-serve's Server, with seats, one referee for every tab, and pages
that say what is going on.

textual-serve (Textualize's own library for serving a Textual app to browsers) gives the page, its
xterm.js terminal, and `AppService`, which runs one app process per websocket. This subclass adds what a
room needs and the library leaves out:
- seats: at most `seats` app processes at once; the index page and the websocket both refuse the next
  tab with a "full" page (HTTP 503, Retry-After), and a closed tab frees its seat;
- every app process is told where the one shared referee listens (BACKPROP_TUI_REFEREE) and which host
  files it may reach (BACKPROP_TUI_FILES), so thirty tabs cost thirty small apps and one torch;
- the page's websocket address comes from the address the browser used (the library's comes from the
  bind address, which is wrong for --host 0.0.0.0), and a terminal size a browser sends is bounded;
- an app that does not quit when its tab closes is killed, and stopping the server stops every app.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import shlex
import signal
import socket
import sys
from asyncio.subprocess import Process
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from backprop_tui.serve.cli import is_loopback

log = logging.getLogger("backprop-tui.serve")

STOP_WAIT = 5.0  # seconds an app has to quit once its tab closed, before it is killed
RETRY_AFTER = 60  # seconds a refused browser is told to wait
COLUMNS = (20, 1000)  # the terminal sizes a browser may ask for (as `--size` allows)
ROWS = (10, 1000)


class Seats:
    """How many app processes run, out of how many may."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.taken = 0

    @property
    def full(self) -> bool:
        return self.taken >= self.capacity

    def take(self) -> bool:
        if self.full:
            return False
        self.taken += 1
        return True

    def free(self) -> None:
        self.taken = max(0, self.taken - 1)


class SessionService(AppService):
    """One learner's app process: started without a shell (the library's `sh -c` would be the process it
    stops and kills, and the app beneath it could outlive its tab), with the classroom's environment added
    to textual-serve's."""

    def __init__(self, argv: list[str], environment: dict[str, str], **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv
        self.extra_environment = environment

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment.update(self.extra_environment)
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self._build_environment(width, height))
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        """textual-serve's: relay the app's output until it exits; then the tab is closed too (the library
        leaves it open, and its seat taken, when an app ends without saying so)."""
        await super().run()
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.remote_close()

    async def close(self) -> None:
        """Ask the app to quit; kill it if it has not within STOP_WAIT seconds."""
        with contextlib.suppress(TimeoutError, OSError, RuntimeError):
            await asyncio.wait_for(self.stop(), STOP_WAIT)
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


class Classroom(Server):
    """`backprop-tui serve`: the app for every browser tab, up to `seats` at once."""

    def __init__(self, argv: list[str], *, host: str, port: int, seats: int, environment: dict[str, str],
                 banner: list[str] | None = None, title: str = "backprop-tui", loopback_only: bool = True) -> None:
        super().__init__(shlex.join(argv), host=host, port=port, title=title)
        self.loopback_only = loopback_only  # bound to 127.0.0.1 (or ::1): only this computer's names are served
        self.argv = argv  # each tab's app process
        self.seats = Seats(seats)
        self.environment = environment  # BACKPROP_TUI_REFEREE, BACKPROP_TUI_FILES, …, for every app
        self.banner = banner or [f"serving on {self.public_url}"]  # said once the server listens
        self.sockets: set[web.WebSocketResponse] = set()
        self.on_tick: Callable[[], None] | None = None  # called every few seconds (the referee's watchdog)
        self._tick: asyncio.Task[None] | None = None

    # -- who may connect ----------------------------------------------------------------------------
    def refusal(self, request: web.Request) -> web.Response | None:
        """A 403 for a request another web site made the browser send: a websocket is not bound by the
        same-origin rule, so any page the teacher or a learner visits could otherwise open a session and read
        what it shows (cross-site websocket hijacking); and, on loopback, a Host that is not this computer's
        (DNS rebinding). None: go ahead."""
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
            log.warning("refused a request from another site's page (Origin %s)", origin[:100])
            return web.Response(status=403, text="backprop-tui: refused: this page belongs to another site")
        if self.loopback_only and not is_loopback(urlsplit(f"//{request.host}").hostname or ""):
            log.warning("refused a request for host %s (this server answers for this computer only)",
                        request.host[:100])
            return web.Response(status=403, text="backprop-tui: refused: this server answers for this computer only")
        return None

    # -- pages --------------------------------------------------------------------------------------
    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        if (refused := self.refusal(request)) is not None:
            return refused
        if self.seats.full:
            log.warning("full: a browser was shown the full page (%d of %d seats taken)", self.seats.taken,
                        self.seats.capacity)
            return self.full_response(html_page=True)
        font_size = _bounded(request.query.get("fontsize", "16"), 16, (6, 64))
        scheme = "wss" if request.secure else "ws"
        context = {
            "font_size": font_size,
            "app_websocket_url": f"{scheme}://{request.host}{request.app.router['websocket'].url_for()}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        page = aiohttp_jinja2.render_string("app_index.html", request, context)
        title = f"<head>\n    <title>{html.escape(self.title)}</title>"  # the library's page has none: a tab's name
        return web.Response(text=page.replace("<head>", title, 1), content_type="text/html")

    def full_response(self, html_page: bool) -> web.Response:
        n = self.seats.capacity
        taken = f"all {n} seats are taken" if n != 1 else "its one seat is taken"
        headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
        if not html_page:  # the websocket: a script or an old page, not a person reading HTML
            return web.Response(status=503, headers=headers,
                                text=f"backprop-tui: this classroom is full: {taken}; try again later")
        return web.Response(status=503, headers=headers, content_type="text/html", text=FULL_PAGE.format(
            title=html.escape(self.title), taken=taken[0].upper() + taken[1:]))

    # -- one tab: one app process -------------------------------------------------------------------
    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        if (refused := self.refusal(request)) is not None:
            return refused
        if not self.seats.take():
            log.warning("full: refused a websocket (%d of %d seats taken)", self.seats.taken, self.seats.capacity)
            return self.full_response(html_page=False)
        log.info("a tab opened: %d of %d seats taken", self.seats.taken, self.seats.capacity)
        try:
            return await self._session(request)
        finally:
            self.seats.free()
            log.info("a tab closed: %d of %d seats taken", self.seats.taken, self.seats.capacity)

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _bounded(request.query.get("width", "80"), 80, COLUMNS)
        height = _bounded(request.query.get("height", "24"), 24, ROWS)
        service: SessionService | None = None
        try:
            await websocket.prepare(request)
            self.sockets.add(websocket)
            service = SessionService(self.argv, self.environment, write_bytes=websocket.send_bytes,
                                     write_str=websocket.send_str, close=websocket.close,
                                     download_manager=self.download_manager, debug=self.debug)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except (ConnectionError, OSError) as err:
            log.info("a tab's connection failed: %s", err)
        finally:
            self.sockets.discard(websocket)
            if service is not None:
                await service.close()
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
        """textual-serve's message loop, with sizes bounded and a malformed message ending only its tab."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None  # ["blur"] has no data
                if kind == "stdin":
                    await app_service.send_bytes(str(data).encode("utf-8"))
                elif kind == "resize":
                    await app_service.set_terminal_size(_bounded(data["width"], 80, COLUMNS),
                                                        _bounded(data["height"], 24, ROWS))
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await app_service.blur()
                elif kind == "focus":
                    await app_service.focus()
            except (ValueError, TypeError, KeyError, IndexError):
                log.warning("a browser sent a message that is not textual-serve's; its tab is closed")
                await websocket.close()
                return

    # -- starting and stopping ----------------------------------------------------------------------
    async def on_startup(self, app: web.Application) -> None:
        for line in self.banner:
            print(line, flush=True)
        if hasattr(signal, "SIGHUP"):  # the teacher's terminal closed: stop as Ctrl+C does (aiohttp: INT, TERM)
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.request_exit)
        if self.on_tick is not None:
            self._tick = asyncio.create_task(self._ticking())

    async def _ticking(self) -> None:
        while True:
            await asyncio.sleep(2)
            if self.on_tick is not None:
                await asyncio.to_thread(self.on_tick)

    async def on_shutdown(self, app: web.Application) -> None:
        """Every tab is told the session ended and every app is stopped, before the server exits."""
        if self._tick is not None:
            self._tick.cancel()
        await asyncio.gather(*(ws.close(message=b"the classroom server stopped") for ws in list(self.sockets)),
                             return_exceptions=True)

    def initialize_logging(self) -> None:
        """One plain, timed line per event (the library's rich handler wraps lines at 80 columns in a log file)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S",
                            stream=sys.stdout, force=True)

    def run(self, sock: socket.socket) -> None:
        """Serve on a bound socket until SIGINT or SIGTERM (textual-serve's serve(), on our socket)."""
        self.initialize_logging()
        logging.getLogger("textual-serve").setLevel(logging.WARNING)
        web.run_app(self._make_app(), sock=sock, handle_signals=True, shutdown_timeout=STOP_WAIT + 1,
                    access_log=None, print=None)


def _bounded(value: object, default: int, bounds: tuple[int, int]) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = default
    return max(bounds[0], min(bounds[1], number))


FULL_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: the classroom is full</title>
<style>
body {{ background: #0c181f; color: rgba(255, 255, 255, 0.95); font-family: menlo, monospace;
       display: flex; align-items: center; justify-content: center; height: 100vh; margin: 0; }}
main {{ background: #12232d; padding: 32px 48px; max-width: 640px; line-height: 1.5; }}
h1 {{ font-size: 20px; margin-top: 0; }}
code {{ white-space: nowrap; }}
</style>
</head>
<body>
<main id="full">
<h1>This classroom is full</h1>
<p>{taken}: each open tab runs its own copy of {title}.</p>
<p>Try again in a minute or two (a seat frees as soon as someone closes their tab),
or ask your teacher to raise the limit (<code>--max-sessions</code>).</p>
<p><a href="/" style="color: #ac5af4">Try again</a></p>
</main>
</body>
</html>
"""
