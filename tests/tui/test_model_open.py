"""A PyTorch model file opens on the network screen: read here, torch's draws replayed (in a worker), the
notes said on screen; a bad one is an inline error and the app keeps running."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from backprop_tui.tui.screens.network import NetworkScreen
from tests.network.model_cases import CASES, POST


async def loaded(app, pilot, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while app.loading_model and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await pilot.pause()


async def test_the_post_given_at_start_opens_the_network_screen(make_app, tmp_path: Path) -> None:
    path = tmp_path / "seed_mlp.py"
    path.write_text(POST, encoding="utf-8")
    app = make_app(network=(str(path), POST), check=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app, pilot)
        assert isinstance(app.screen, NetworkScreen)
        spec = app.screen.spec
        assert spec.sizes == (10, 20, 2) and spec.loss == "cross_entropy" and spec.data_name == "seed-mlp, default"
        toasts = "\n".join(str(n.message) for n in app._notifications)
        assert "seeded with torch.manual_seed(0)" in toasts and "seed-mlp (the default for this shape)" in toasts


async def test_open_a_model_file_with_o_and_a_bad_one(make_app, tmp_path: Path) -> None:
    good = tmp_path / "net.py"
    good.write_text(CASES["double_softmax"], encoding="utf-8")
    bad = tmp_path / "adam.py"
    bad.write_text(POST.replace("optim.SGD(", "optim.Adam("), encoding="utf-8")
    app = make_app(check=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_path(str(bad))
        await loaded(app, pilot)
        assert not isinstance(app.screen, NetworkScreen)
        assert "optim.Adam is not supported" in str(app.error_line.render())
        app.open_path(str(good))
        await loaded(app, pilot)
        assert isinstance(app.screen, NetworkScreen)
        assert app.screen.spec.loss == "cross_entropy_logits"
        toasts = "\n".join(str(n.message) for n in app._notifications)
        assert "double softmax" in toasts


async def test_the_epochs_field_follows_the_files_num_epochs_or_trains_default(make_app, tmp_path: Path) -> None:
    """As `train`: num_epochs from the file, 1,000 when the file does not define it (the post does not)."""
    from textual.widgets import Input

    from backprop_tui.network.model_bind import DEFAULT_EPOCHS

    assert "num_epochs =" not in POST and DEFAULT_EPOCHS == 1000
    for text, want in ((POST, "1000"), (POST.replace("input_size = 10\n", "input_size = 10\nnum_epochs = 300\n"),
                                        "300")):
        path = tmp_path / "mlp.py"
        path.write_text(text, encoding="utf-8")
        app = make_app(network=(str(path), text), check=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await loaded(app, pilot)
            assert isinstance(app.screen, NetworkScreen)
            assert app.screen.query_one("#net-epochs", Input).value == want
            assert app.screen.spec.epochs == int(want)
