"""A seeded monkey: random keys over the whole app, both screens, the palette, the dialogs and the editor.

Used by tests/tui/test_random_keys.py (CI: 2,000 keys over a fixed list of seeds) and bench/monkey.py
(10,000 keys and more, with keys/s). Keys go straight to the app's driver, as a terminal's would, without
the pilot's idle wait after each one (~60 ms a key); every BATCH keys the monkey waits until the app is
idle and checks it is still running with the step position in range. Dialogs asking about unsaved edits
or trained weights are answered (escape, s or d), and those asking to replace a file (escape or r). A
request to quit (ctrl+q, the palette's Quit, "quit without saving") is
counted instead of ending the run: `app.exit` is replaced while the monkey runs.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from textual import events
from textual._wait import wait_for_idle
from textual.keys import key_to_character

from backprop_tui.network.spec import load_spec
from backprop_tui.tui.actions import NETWORK
from backprop_tui.tui.screens.network import NetworkScreen
from backprop_tui.tui.screens.overwrite import ReplaceDialog
from backprop_tui.tui.screens.unsaved import UnsavedDialog

BATCH = 8
OPEN_SPEC = "<open the spec>"  # not a key: the monkey opens the network spec (as `o` + a path would)
KEYS: tuple[tuple[str, int], ...] = (  # (key, weight)
    ("right", 6), ("left", 4), ("n", 4), ("p", 3), ("home", 2), ("end", 2), ("f", 2), ("b", 2),
    ("e", 4), ("escape", 5), ("ctrl+r", 1), ("o", 2), ("s", 2), ("t", 3), ("w", 3), ("slash", 2),
    ("question_mark", 2), ("f1", 1), ("ctrl+p", 4), ("pagedown", 4), ("pageup", 3), ("ctrl+z", 2),
    ("ctrl+q", 1), ("enter", 4), ("tab", 2), ("shift+tab", 1), ("up", 3), ("down", 3), ("backspace", 3),
    ("delete", 1), ("x", 3), ("y", 1), ("1", 2), ("2", 1), ("space", 2), ("plus", 2), ("asterisk", 2),
    ("equals_sign", 2), ("a", 1), ("d", 2), ("c", 2), ("u", 2), ("m", 1), ("g", 1), ("z", 1), ("j", 1),
    ("q", 1), ("left_parenthesis", 1), ("right_parenthesis", 1), ("left_square_bracket", 1),
    ("right_square_bracket", 1), ("ctrl+a", 1), ("ctrl+e", 1), ("f7", 1), ("ctrl+left", 1),
    ("shift+right", 1), ("r", 1), ("v", 1), (OPEN_SPEC, 1),
)
_CHARS = {"enter": "\r", "tab": "\t", "escape": "\x1b", "backspace": "\x7f"}


@dataclass
class MonkeyRun:
    seed: int
    keys: int = 0
    screens: Counter = field(default_factory=Counter)  # top screen's class, sampled every BATCH keys
    dialogs_answered: int = 0
    specs_opened: int = 0
    quits: int = 0  # times the app would have quit


def send(app, key: str) -> None:
    """One key event through the driver, as a terminal sends it."""
    char = _CHARS.get(key) or key_to_character(key)
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


def open_spec(app, path: Path) -> None:
    """The network screen for `path`, as `o` opens it, without starting a torch process."""
    if len(app.screen_stack) > 1:
        return
    if app.is_screen_installed(NETWORK):
        app.uninstall_screen(NETWORK)
    app.install_screen(NetworkScreen(load_spec(str(path)), check=False), NETWORK)
    app.push_screen(NETWORK)
    app.refresh_bindings()


async def answer_dialog(app, rng: random.Random, run: MonkeyRun) -> None:
    """Answer an unsaved-work question: cancel, save first (a file in the working folder) or discard; or a
    question about replacing a file: cancel or replace."""
    send(app, rng.choice(["escape", "r"] if isinstance(app.screen, ReplaceDialog) else ["escape", "s", "d"]))
    run.dialogs_answered += 1
    await wait_for_idle(0)


async def monkey(app, pilot, seed: int, count: int, spec: Path) -> MonkeyRun:
    """Press `count` seeded random keys; raises AssertionError if the app stops or the position leaves
    its range (an exception inside the app ends run_test with that exception)."""
    rng = random.Random(seed)
    names = [k for k, _ in KEYS]
    weights = [w for _, w in KEYS]
    run = MonkeyRun(seed)
    real_exit = app.exit

    def counted_exit(*args, **kwargs) -> None:
        run.quits += 1

    app.exit = counted_exit
    await pilot.pause()
    try:
        await _keys(app, rng, names, weights, count, spec, run)
    finally:
        app.exit = real_exit
    await pilot.pause()
    assert app.is_running
    return run


async def _keys(app, rng: random.Random, names: list[str], weights: list[int], count: int, spec: Path,
                run: MonkeyRun) -> None:
    seed = run.seed
    for i in range(count):
        key = rng.choices(names, weights)[0]
        if key == OPEN_SPEC:
            open_spec(app, spec)
            run.specs_opened += 1
        else:
            send(app, key)
        run.keys += 1
        if i % BATCH == BATCH - 1 or key == "ctrl+q":
            await wait_for_idle(0)
            assert app.is_running, f"seed {seed}: the app stopped after {i + 1} keys"
            while isinstance(app.screen, UnsavedDialog | ReplaceDialog):
                await answer_dialog(app, rng, run)
            run.screens[type(app.screen).__name__] += 1
            st = app.state
            assert st is None or 0 <= app.k <= st.n, f"seed {seed}: position {app.k} outside 0..{st.n}"
