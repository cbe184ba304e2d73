"""Pilot tests of the network screen: stepping, torch's check, the update, a neuron's chain, training with pause."""

from __future__ import annotations

import asyncio
import time

import numpy as np
from textual.app import App
from textual.widgets import Input, Log

from backprop_tui.network.spec import load_spec
from backprop_tui.tui.screens.network import NetworkScreen


class Host(App[None]):
    def __init__(self, spec, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.spec, self.kwargs = spec, kwargs
        self.chains: list[NetworkScreen.OpenChain] = []

    def on_mount(self) -> None:
        self.push_screen(NetworkScreen(self.spec, **self.kwargs))

    def on_network_screen_open_chain(self, message: NetworkScreen.OpenChain) -> None:
        self.chains.append(message)


async def _until(pilot, cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            raise AssertionError("timed out")
        await pilot.pause(0.05)


async def test_stepping_and_torch_check() -> None:
    app = Host(load_spec("examples/classic-2-2-2.toml"))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, NetworkScreen)
        await _until(pilot, lambda: screen.net.checked)
        assert screen.net.ok
        await pilot.press("n", "n", "n")
        assert screen.k == 3 and screen.current.target == "z2"
        await pilot.press("p")
        assert screen.k == 2
        await pilot.press("f")
        assert screen.current.phase == "loss"
        await pilot.press("b")
        assert screen.current.phase == "backward" and screen.current.target == "fc1.bias"
        assert "agrees on all 19 steps" in str(screen.status())
        await pilot.press("end")
        assert screen.current.phase == "update"


async def test_update_applies_the_sgd_step() -> None:
    spec = load_spec("examples/classic-2-2-2.toml")
    app = Host(spec, check=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        before, updated = screen.net.loss, screen.net.updated["fc2.weight"]
        await pilot.press("u")
        np.testing.assert_array_equal(screen.spec.params["fc2.weight"], updated)
        assert screen.net.loss < before and screen.k == 0
        assert "update applied" in str(screen.status())


async def test_neuron_chain_message() -> None:
    app = Host(load_spec("examples/xor.toml"), check=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        await pilot.press("n", "n")  # a1, the hidden activations: rows are data rows, columns units
        table = screen.query_one("#net-matrix")
        table.move_cursor(row=2, column=3)
        await pilot.press("c")
        await pilot.pause()
        (msg,) = app.chains
        assert (msg.neuron, msg.row) == ("fc1:2", 2)
        assert "a1_2 = tanh(z1_2)" in msg.text and "loss = " in msg.text


async def test_training_with_pause() -> None:
    spec = load_spec("examples/xor.toml")
    app = Host(spec)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        screen.query_one("#net-epochs", Input).value = "3000000"
        await pilot.press("t")
        assert screen.training
        await _until(pilot, lambda: screen.epoch > 50)
        await pilot.press("space")
        assert screen.paused.is_set()
        await pilot.pause(0.3)
        held = screen.epoch
        await pilot.pause(0.4)
        assert screen.epoch == held  # nothing moves while paused
        await pilot.press("space")
        await _until(pilot, lambda: screen.epoch > held)
        await pilot.press("escape")  # cancels the run
        await _until(pilot, lambda: not screen.training)
        assert "training failed" not in str(screen.status())
        # a short run to the end: the log, the checks, the new parameters
        screen.query_one("#net-epochs", Input).value = "400"
        screen.query_one("#net-steps").focus()
        start = screen.spec.params["fc1.weight"].copy()
        await pilot.press("t")
        await _until(pilot, lambda: not screen.training and screen.last_result is not None
                     and screen.last_result.epochs == 400)
        log = screen.query_one("#net-log", Log)
        text = "\n".join(str(line) for line in log.lines)
        assert "Epoch [400/400]" in text and "agreed" in text
        assert screen.last_result.ok
        assert not np.array_equal(screen.spec.params["fc1.weight"], start)
        await asyncio.sleep(0)


async def test_bad_learning_rate_is_reported() -> None:
    app = Host(load_spec("examples/xor.toml"), check=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        screen.query_one("#net-lr", Input).value = "-1"
        await pilot.press("t")
        assert not screen.training and "above 0" in str(screen.status())


async def test_arrow_keys_step_but_a_focused_input_keeps_them() -> None:
    app = Host(load_spec("examples/xor.toml"), check=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        await pilot.press("right", "right", "left", "right")
        assert screen.k == 2
        lr = screen.query_one("#net-lr", Input)
        lr.focus()
        await pilot.press("end", "0", "left", "n")
        assert screen.k == 2 and lr.value == "0.5n0"
        await pilot.press("escape")
        assert not isinstance(screen.focused, Input)
        await pilot.press("end")
        assert screen.k == len(screen.net.steps)
