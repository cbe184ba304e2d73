"""The monkey in CI: 2,000 seeded random keys over a fixed, logged list of seeds (500 keys each), through
the palette (ctrl+p, pagedown, pageup), both screens (a spec, `w`), the dialogs and the editor.

bench/monkey.py runs the same monkey for 10,000 keys and more and reports keys/s.
"""

from __future__ import annotations

import pytest

from tests.tui.conftest import echo_checker
from tests.tui.monkey import monkey
from tests.tui.test_network_wiring import SPEC

SEEDS = (20261127, 11, 4242, 90210)  # fixed: a failure names its seed in the test id
KEYS_PER_SEED = 500


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


def test_the_seeds_together_reach_every_screen_and_dialog() -> None:
    """Over the CI seeds, the monkey reaches the palette, the network screen and each dialog (checked by a
    fast replay of the key choices: the same generator, no app)."""
    import random

    from tests.tui.monkey import KEYS

    names = [k for k, _ in KEYS]
    weights = [w for _, w in KEYS]
    pressed = set()
    for seed in SEEDS:
        rng = random.Random(seed)
        pressed |= {rng.choices(names, weights)[0] for _ in range(KEYS_PER_SEED)}
    assert {"ctrl+p", "pagedown", "pageup", "w", "ctrl+q", "ctrl+z", "t", "o", "s", "e"} <= pressed
