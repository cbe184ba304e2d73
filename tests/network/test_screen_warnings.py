"""Warnings that explain, on the network screen (network.warnings): the current step's in the step panel,
the trained result's in the row above the status line, one sentence each with what to try, never red."""

from __future__ import annotations

from textual.color import Color
from textual.widgets import Input

from backprop_tui.network.spec import parse_spec
from backprop_tui.tui.widgets.net_steps import StepList
from tests.network.helpers import echo_epoch, echo_trace
from tests.network.test_screen import DIVERGES, Host, until
from tests.network.test_screen_quiz import screen_text
from tests.network.test_warnings import DEAD_ROW

SATURATED = """
[network]
sizes = [2, 2, 1]
activation = "sigmoid"
output = "identity"
loss = "mse"
lr = 0.1
[params]
"fc1.weight" = [[4.0, 4.0], [0.5, -0.5]]
"fc1.bias" = [1.0, 0.0]
"fc2.weight" = [[1.0, 1.0]]
"fc2.bias" = [0.0]
[data]
x = [[1.0, 1.0], [2.0, 1.0]]
y = [[1.0], [0.0]]
"""


def host(text: str) -> Host:
    return Host(parse_spec(text), trace_checker=echo_trace, epoch_checker=echo_epoch)


def step_panel(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#net-step-text").render())


async def test_a_dead_relu_row_is_explained_on_its_steps_and_after_training() -> None:
    app = host(DEAD_ROW)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n", "n")  # a1 = relu(z1): unit 1's z is −1.5, −1.5, −2.5
        sentence = ("⚠ dead_relu: z ≤ 0 on every one of the 3 rows: relu' = 0, the weights into it never change; "
                    "try a smaller lr or a positive bias")
        assert sentence in step_panel(app)
        assert "⚠ dead_relu: z ≤ 0 on every one of the 3 rows" in screen_text(app)
        steps = screen.query_one(StepList)
        assert str(steps.get_row_at(1)[2]).endswith(" ⚠")  # the step list marks the steps it concerns
        await pilot.press("n")
        assert "dead_relu" not in step_panel(app)  # z2: not about the dead unit
        screen.query_one("#net-epochs", Input).value = "50"
        await pilot.press("t")
        await until(pilot, lambda: not screen.training and screen.last_result is not None)
        row = str(screen.query_one("#net-warn").render())
        assert row.startswith("⚠ dead_relu · layer 1 (a1 = relu(z1)), unit 1 after 50 epochs: z ≤ 0 on every one "
                              "of the 3 rows")
        assert "try a smaller lr or a positive bias" in row
        assert "⚠ dead_relu · layer 1" in screen_text(app)
        colours = app.get_css_variables()
        color = screen.query_one("#net-warn").styles.color
        assert color == Color.parse(colours["warning"]) != Color.parse(colours["error"])  # never red


async def test_a_saturated_layer_is_explained_on_its_activation_step() -> None:
    app = host(SATURATED)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n")  # a1 = sigmoid(z1): unit 0's z is 9 and 13, σ' ≈ 1e-4
        panel = step_panel(app)
        assert "⚠ saturation: mean slope" in panel and "< 0.025 (unit 0): gradients shrink; try smaller weights " \
            "or inputs scaled to [−1, 1]" in panel
        assert "⚠ saturation" in screen_text(app)


async def test_lr_10_divergence_is_said_while_it_happens_and_after(tmp_path) -> None:
    app = host(DIVERGES)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("end", "left")  # the update of fc1.weight: one step already raises the loss
        assert "⚠ divergence: lr 10: one step makes the loss rise from 10.5 to" in step_panel(app)
        await pilot.press("t")
        await until(pilot, lambda: not screen.training and screen.last_result is not None)
        row = str(screen.query_one("#net-warn").render())
        assert row.startswith("⚠ divergence · epoch 2: lr 10: it became inf at epoch") and row.endswith("try lr 1")
        text = screen_text(app)
        assert "⚠ divergence · epoch 2: lr 10" in text  # at 80x24 too, above the status line
        await pilot.press("u")  # a new state: the trained run's warning goes
        assert not screen.query_one("#net-warn").display
