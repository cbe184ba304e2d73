"""Pilot tests of the network screen: the diagram, stepping, selection and `c`, the matrix view, training
with pause, saving, and the number fields that leave letter keys to the screen."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
from textual.app import App
from textual.widgets import Input, Log

from backprop_tui.network.spec import load_spec
from backprop_tui.tui.screens.network import NetworkScreen
from backprop_tui.tui.widgets.net_diagram import NetDiagram
from tests.network.helpers import echo_epoch, echo_trace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Host(App[None]):
    def __init__(self, spec, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.spec, self.kwargs = spec, kwargs
        self.chains: list[NetworkScreen.OpenChain] = []

    def on_mount(self) -> None:
        self.push_screen(NetworkScreen(self.spec, **self.kwargs))

    def on_network_screen_open_chain(self, message: NetworkScreen.OpenChain) -> None:
        self.chains.append(message)


def host(name: str, **kwargs) -> Host:  # type: ignore[no-untyped-def]
    kwargs.setdefault("trace_checker", echo_trace)
    kwargs.setdefault("epoch_checker", echo_epoch)
    return Host(load_spec(str(EXAMPLES / f"{name}.toml")), **kwargs)


async def until(pilot, cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            raise AssertionError("timed out")
        await pilot.pause(0.05)


def diagram_text(app: App) -> str:
    d = app.screen.query_one(NetDiagram)
    return "\n".join(d.render_line(y).text for y in range(d.size.height))


async def test_stepping_and_torch_check() -> None:
    from backprop_tui.check.torch_network import check_trace

    app = host("classic-2-2-2", trace_checker=check_trace)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, NetworkScreen)
        await until(pilot, lambda: screen.net.checked)
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


async def test_the_forward_pass_puts_every_activation_and_weight_in_the_diagram() -> None:
    app = host("classic-2-2-2")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        text = diagram_text(app)
        for a in ("0.5933", "0.5969", "0.7514", "0.7729"):  # out_h1, out_h2, out_o1, out_o2
            assert f"a {a}" in text
        for w in ("0.15", "0.2", "0.25", "0.3", "0.4", "0.45", "0.5", "0.55"):  # w1…w8 on their edges
            assert re.search(rf" {re.escape(w)} [─━]*▸", text), w
        assert "0.2984" in text  # E_total in the loss box
        for name in ("x1", "x2", "h1", "h2", "o1", "o2"):
            assert f" {name} " in text
        assert "δ ?" in text  # not reached yet


async def test_the_backward_pass_adds_delta_and_dl_dw_and_the_update_the_new_weight() -> None:
    app = host("classic-2-2-2")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f", "n")
        assert "∂L/∂a 0.7414" in diagram_text(app)  # on the way to δ, the row shows ∂L/∂a first
        await pilot.press("n", "n")
        assert "δ 0.1385" in diagram_text(app)
        await pilot.press("n")
        assert "0.4 ∂L/∂w 0.08217" in diagram_text(app)  # w5 and dE/dw5 on the same edge
        await pilot.press("end")
        assert "0.4→0.3589" in diagram_text(app)


async def test_cursor_click_and_c_open_exactly_the_selected_neuron() -> None:
    app = host("xor", check=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        assert screen.cursor == (2, 0)
        await pilot.press("left_square_bracket", "down", "down")
        assert screen.cursor == (1, 2)
        assert any(b.description == "fc1:2 as a chain" for _, b, *_ in screen.active_bindings.values())
        await pilot.press("r", "r")  # data row 2
        await pilot.press("c")
        await pilot.pause()
        (msg,) = app.chains
        assert (msg.neuron, msg.row) == ("fc1:2", 2)
        assert "a1_2 = tanh(z1_2)" in msg.text and "loss = " in msg.text
        # a click on a neuron selects it
        diagram = screen.query_one(NetDiagram)
        x, y, _, _ = diagram.layout_.box(1, 0)
        await pilot.click(NetDiagram, offset=(x + 2, y + 1))
        assert screen.cursor == (1, 0)
        assert "h1 = fc1:0" in str(screen.query_one("#net-detail-text").render())
        # on an input, c has nothing to open: dimmed, and it says so
        await pilot.press("left_square_bracket")
        assert screen.cursor[0] == 0 and screen.check_action("chain", ()) is None


async def test_detail_panel_writes_out_the_selected_neuron() -> None:
    app = host("classic-2-2-2")
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("end", "left_square_bracket")  # h1
        text = str(app.screen.query_one("#net-detail-text").render())
        assert "z = Σ w·a + b = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775" in text
        assert "δ = ∂L/∂z = ∂L/∂a · sigmoid'(z) = 0.0363503·0.241301 = 0.00877135" in text


async def test_a_wide_layer_has_markers_and_scrolls_with_the_cursor() -> None:
    app = host("mlp-seed", check=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        diagram = screen.query_one(NetDiagram)
        await pilot.pause()
        assert "more" in diagram_text(app)
        col = diagram.layout_.by_layer[1]
        assert sum(s.hidden for s in col.slots if s.is_marker) + len(col.units) == 20
        await pilot.press("left_square_bracket", *["down"] * 16)
        await pilot.pause()
        assert screen.cursor == (1, 16)
        assert diagram.layout_.box(1, 16) is not None  # scrolled into view
        assert "h17 " in diagram_text(app)


async def test_matrix_view_names_rows_and_columns_and_enter_selects() -> None:
    app = host("xor", check=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        await pilot.press("n", "n", "m")  # a1: rows are data rows, columns hidden units
        table = screen.query_one("#net-matrix")
        assert [str(c.label) for c in table.columns.values()] == ["", "h1", "h2", "h3", "h4"]
        assert str(table.get_row_at(3)[0]) == "row 3"
        table.move_cursor(row=3, column=2)
        await pilot.press("enter")
        assert screen.cursor == (1, 1) and screen.row == 3
        assert "[3, 1] = " in str(screen.query_one("#net-step-text").render())  # the cell in full precision
        await pilot.press("m")
        assert not screen.has_class("-matrix")


async def test_training_updates_the_diagram_and_can_be_paused() -> None:
    app = host("xor")
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        diagram = screen.query_one(NetDiagram)
        start = screen.spec.params["fc1.weight"].copy()
        screen.query_one("#net-epochs", Input).value = "3000000"
        await pilot.press("t")
        assert screen.training
        await until(pilot, lambda: screen.epoch > 200 and diagram.view.live is not None)
        live = diagram.view.live["fc1.weight"]
        assert not np.array_equal(live, start)  # the diagram draws the weights as they learn
        assert screen.query_one("#net-plot").losses[:3] == screen.losses[:3]
        await pilot.press("space")
        assert screen.paused.is_set() and "PAUSED" in str(screen.status())
        await pilot.pause(0.3)
        held = len(screen._feed.losses)
        await pilot.pause(0.4)
        assert len(screen._feed.losses) == held  # nothing moves while paused
        await pilot.press("space")
        await until(pilot, lambda: len(screen._feed.losses) > held)
        await pilot.press("escape")  # stops the run; the weights reached are kept
        await until(pilot, lambda: not screen.training)
        assert "stopped at epoch" in screen.message
        # a short run to the end: the log, the checks, the new parameters
        screen.query_one("#net-epochs", Input).value = "400"
        before = screen.spec.params["fc1.weight"].copy()
        await pilot.press("t")
        await until(pilot, lambda: not screen.training and screen.last_result is not None
                    and screen.last_result.epochs == 400)
        text = "\n".join(str(line) for line in screen.query_one("#net-log", Log).lines)
        assert "Epoch [400/400]" in text and "agreed" in text
        assert screen.last_result.ok
        assert not np.array_equal(screen.spec.params["fc1.weight"], before)
        assert screen.current.phase == "loss" and screen.net.spec is screen.spec  # the trained forward pass


async def test_saved_parameters_reopen_identically(tmp_path) -> None:
    app = host("classic-2-2-2")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("u", "u")  # two SGD steps
        target = tmp_path / "kept.toml"
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        field = dialog.query_one(Input)
        field.value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and "saved" in screen.message
        again = load_spec(str(target))
        for name in screen.spec.param_names:
            assert again.params[name].tobytes() == screen.spec.params[name].tobytes()
        assert target.with_suffix(".py").exists()


async def test_number_fields_leave_letters_to_the_screen() -> None:
    app = host("xor", check=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        await pilot.press("right", "right", "left", "right")
        assert screen.k == 2
        lr = screen.query_one("#net-lr", Input)
        lr.focus()
        await pilot.press("end", "0", "left", "n")  # arrows edit the field; n still steps
        assert lr.value == "0.50" and screen.k == 3
        await pilot.press("c")  # the letter is not typed: the neuron opens
        await pilot.pause()
        assert lr.value == "0.50" and len(app.chains) == 1
        await pilot.press("escape")
        assert not isinstance(screen.focused, Input)
        await pilot.press("end")
        assert screen.k == len(screen.net.steps)


async def test_bad_learning_rate_is_reported() -> None:
    app = host("xor", check=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        screen.query_one("#net-lr", Input).value = "-1"
        await pilot.press("t")
        assert not screen.training and "above 0" in str(screen.status())


DIVERGES = """\
[network]
sizes = [1, 1]
output = "identity"
loss = "mse"
lr = 10
epochs = 300

[params]
"fc1.weight" = [[0.5]]
"fc1.bias" = [0.0]

[data]
x = [[1.0], [2.0], [3.0]]
y = [[2.0], [4.0], [6.0]]
"""


async def test_a_diverging_run_is_named_and_kept_off_the_axis(tmp_path) -> None:
    from backprop_tui.network.spec import parse_spec
    from backprop_tui.tui.widgets.net_training import axis_cap

    app = Host(parse_spec(DIVERGES), trace_checker=echo_trace, epoch_checker=echo_epoch)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("t")
        await until(pilot, lambda: not screen.training and screen.last_result is not None)
        warned = str(screen.query_one("#net-warn").render())  # network.warnings' one explanation
        assert warned.startswith("⚠ divergence · epoch 2: lr 10: it became inf at epoch") and "try lr 1" in warned
        losses = screen.losses
        first_bad = next(i for i, v in enumerate(losses, 1) if not np.isfinite(v))
        assert 50 < first_bad < 300  # inf, then nan, as torch does
        assert axis_cap(losses) == 10 * losses[0]  # the axis stays on the learning, not on 1e307
        await pilot.press("s")  # nothing worth keeping: said, not written
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "never.toml")
        await pilot.press("enter")
        await pilot.pause()
        assert "not saved" in screen.message and not list(tmp_path.iterdir())
