"""The monkey in CI: 2,000 seeded random keys over a fixed, logged list of seeds (500 keys each), through
the palette (ctrl+p, pagedown, pageup), both screens (a spec, `w`), the dialogs and the editor.

bench/monkey.py runs the same monkey for 10,000 keys and more and reports keys/s.
"""

from __future__ import annotations

import pytest

from tests.tui.conftest import echo_checker
from tests.tui.monkey import MonkeyRun, monkey
from tests.tui.test_network_wiring import SPEC

SEEDS = (20261127, 11, 4242, 90210)  # fixed: a failure names its seed in the test id
KEYS_PER_SEED = 500
RUNS: dict[int, MonkeyRun] = {}


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed={s}" for s in SEEDS])
async def test_monkey(make_app, tmp_path, monkeypatch, seed: int) -> None:
    monkeypatch.chdir(tmp_path)  # `s` then enter saves program.bp here, not in the repository
    spec = tmp_path / "net.toml"
    spec.write_text(SPEC)
    app = make_app(checker=echo_checker)
    async with app.run_test(size=(80, 24)) as pilot:
        run = await monkey(app, pilot, seed, KEYS_PER_SEED, spec)
    print(f"monkey seed={seed}: {run.keys} keys, screens {dict(run.screens)}, {run.dialogs_answered} dialogs "
          f"answered, {run.quits} quit requests")
    assert run.keys == KEYS_PER_SEED
    assert run.screens["ChainScreen"] > 0
    RUNS[seed] = run


def test_the_seeds_together_reach_every_screen_and_dialog() -> None:
    """Over the CI seeds (the runs above, in this order), the monkey reached the palette, the network screen,
    the prompts, the preset picker, the help and the questions about unsaved edits."""
    if set(RUNS) != set(SEEDS):
        pytest.skip("runs only after every seed's run, in one session")
    screens = set().union(*(run.screens for run in RUNS.values()))
    assert {"ChainScreen", "NetworkScreen", "SafeCommandPalette", "PromptDialog", "PresetPicker", "HelpScreen"} \
        <= screens, screens
    assert sum(run.dialogs_answered for run in RUNS.values()) > 0
    assert sum(run.quits for run in RUNS.values()) > 0  # ctrl+q and the palette's Quit were pressed
