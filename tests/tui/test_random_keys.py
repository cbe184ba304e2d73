"""2,000 seeded random keys over the circuit (g and z included): no exception, the position always in range.

The keys go through the app's driver like the pilot's, but without the pilot's idle wait after each one
(about 0.1 s a key): every few keys the test waits until the process is idle, so a run takes seconds.
"""

from __future__ import annotations

import random

from textual import events
from textual._wait import wait_for_idle

from tests.tui.conftest import echo_checker

KEYS = ["right", "left", "n", "p", "home", "end", "f", "b", "e", "escape", "ctrl+r", "o", "s", "t",
        "slash", "question_mark", "f1", "enter", "tab", "up", "down", "backspace", "x", "1", "space",
        "plus", "asterisk", "equals_sign", "a", "pageup", "pagedown", "g", "z"]
CHARS = {"space": " ", "plus": "+", "asterisk": "*", "equals_sign": "=", "question_mark": "?", "slash": "/",
         "enter": "\r", "tab": "\t", "escape": "\x1b"}


def send(app, key: str) -> None:
    char = CHARS.get(key, key if len(key) == 1 else None)
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


async def test_random_keys(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `s` then enter saves program.bp here, not in the repository
    rng = random.Random(20261127)
    app = make_app(checker=echo_checker)
    seen_screens = set()
    async with app.run_test(size=(80, 24)) as pilot:
        for i in range(2000):
            key = rng.choice(KEYS)
            send(app, key)
            if i % 8 == 7:
                await wait_for_idle(0)
                seen_screens.add(type(app.screen).__name__)
                st = app.state
                assert st is None or 0 <= app.k <= st.n
        await pilot.pause()
        assert app.is_running
    assert {"ChainScreen", "HelpScreen", "PromptDialog", "PresetPicker"} <= seen_screens
