"""The referee's own process: the same figures as in-process torch, and the app's process stays torch-free."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from backprop_tui.check.kinds import Session, answer
from backprop_tui.check.torch_network import check_epoch, check_trace
from backprop_tui.network import remote
from backprop_tui.network.engine import trace
from backprop_tui.network.spec import load_spec
from tests.network.helpers import make_spec


def test_spec_and_params_round_trip_bit_for_bit() -> None:
    spec = load_spec("examples/iris.toml")
    back = remote.spec_from_json(remote.spec_to_json(spec), spec.params)
    assert back.sizes == spec.sizes and back.activations == spec.activations and back.lr == spec.lr
    np.testing.assert_array_equal(back.x, spec.x)
    np.testing.assert_array_equal(back.labels, spec.labels)
    params = remote.params_from_json(remote.params_to_json(spec.params))
    for name in spec.param_names:
        np.testing.assert_array_equal(params[name], spec.params[name])


def test_answer_gives_the_in_process_figures() -> None:
    spec = make_spec([3, 4, 3], "tanh", "softmax", "cross_entropy", rows=5, freeze=["fc1.bias"])
    session = Session()
    assert answer({"id": 1, "kind": "network.spec", "token": "a", "spec": remote.spec_to_json(spec)}, session)["ok"]
    params = remote.params_to_json(spec.params)
    reply = answer({"id": 2, "kind": "network.trace", "token": "a", "params": params}, session)
    net = trace(spec)
    via = remote.figures_from_json(reply["figures"])
    direct = check_trace(net)
    from backprop_tui.network.engine import with_torch

    assert with_torch(net, via).ok and direct.ok
    reply = answer({"id": 3, "kind": "network.epoch", "token": "a", "params": params}, session)
    loss, params_after = check_epoch(spec, spec.params)
    assert reply["loss"] == loss
    np.testing.assert_array_equal(np.array(reply["params"]["fc2.weight"]), params_after["fc2.weight"])
    bad = answer({"id": 4, "kind": "network.trace", "token": "nope", "params": {}}, session)
    assert bad["ok"] is False and "KeyError" in bad["error"]


@pytest.mark.real_referee
def test_remote_checker_process() -> None:
    checker = remote.RemoteChecker()
    try:
        spec = load_spec("examples/xor.toml")
        net = checker.check_trace(trace(spec))
        assert net.ok and net.checked and checker.version
        loss, params = checker.check_epoch(spec, spec.params)
        t_loss, t_params = check_epoch(spec, spec.params)
        assert loss == t_loss
        np.testing.assert_array_equal(params["fc1.weight"], t_params["fc1.weight"])
    finally:
        checker.close()


@pytest.mark.real_referee
def test_the_screen_keeps_torch_out_of_the_app_process() -> None:
    code = textwrap.dedent("""
        import asyncio, sys, time
        from textual.app import App
        from backprop_tui.network.spec import load_spec
        from backprop_tui.tui.screens.network import NetworkScreen

        class Host(App):
            def on_mount(self):
                self.push_screen(NetworkScreen(load_spec("examples/xor.toml")))

        async def main():
            app = Host()
            async with app.run_test() as pilot:
                start = time.monotonic()
                while not app.screen.net.checked and time.monotonic() - start < 60:
                    await pilot.pause(0.05)
                print(app.screen.net.ok, "torch" in sys.modules)

        asyncio.run(main())
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert done.stdout.split() == ["True", "False"], done.stderr[-2000:]
