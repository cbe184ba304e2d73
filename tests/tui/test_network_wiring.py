"""The chain app opens network specs on the network screen, and a neuron's chain comes back to it."""

from __future__ import annotations

from pathlib import Path

from backprop_tui.tui.screens.network import NetworkScreen
from tests.tui.conftest import settle

SPEC = """\
[network]
sizes = [2, 2, 2]
activation = "sigmoid"
output = "sigmoid"
loss = "half_sse"
lr = 0.5

[params]
"fc1.weight" = [[0.15, 0.20], [0.25, 0.30]]
"fc1.bias" = [0.35, 0.35]
"fc2.weight" = [[0.40, 0.45], [0.50, 0.55]]
"fc2.bias" = [0.60, 0.60]

[data]
x = [[0.05, 0.10]]
y = [[0.01, 0.99]]
"""


async def test_a_spec_given_at_start_opens_the_network_screen(make_app, tmp_path: Path) -> None:
    spec = tmp_path / "net.toml"
    spec.write_text(SPEC)
    app = make_app(network=(str(spec), SPEC))
    async with app.run_test(size=(100, 30)):
        assert isinstance(app.screen, NetworkScreen)
        assert app.screen.spec.sizes == (2, 2, 2)


async def test_open_a_spec_then_walk_a_neuron_as_a_chain(make_app, tmp_path: Path) -> None:
    spec = tmp_path / "net.toml"
    spec.write_text(SPEC)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_path(str(spec))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, NetworkScreen)
        screen.post_message(NetworkScreen.OpenChain("x = 2\ny = x*x\n", "fc2:0", 0))
        await settle(app, pilot)
        assert not isinstance(app.screen, NetworkScreen)
        assert app.state is not None
        assert app.state.trace.grads["x"] == 4.0
        await pilot.press("w")  # back to the same network screen, training and all
        await pilot.pause()
        assert app.screen is screen


async def test_a_bad_spec_is_an_inline_error_and_the_app_keeps_running(make_app, tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.replace('"sigmoid"\nloss', '"softmax"\nloss').replace("half_sse", "bce"))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_path(str(spec))
        await pilot.pause()
        assert not isinstance(app.screen, NetworkScreen)
        assert "bce" in str(app.error_line.render())
        await pilot.press("n")
        assert app.k == 1
