"""Every key the footer or the palette offers works on the screen that offers it: the chain screen, the
network screen and both helps. Help opens on the network screen from `?`, f1 and the palette."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input

from backprop_tui.tui.commands import BackpropCommands, NetworkCommands
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.screens.net_help import NetworkHelpScreen
from backprop_tui.tui.screens.network import NetworkScreen
from tests.network.helpers import echo_epoch, echo_trace
from tests.tui.conftest import settle

SPEC = Path(__file__).resolve().parents[2] / "examples" / "classic-2-2-2.toml"


def shown(screen) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """key -> action of every binding the footer shows enabled."""
    return {key: b.action for key, (_, b, enabled, _) in screen.active_bindings.items() if b.show and enabled}


async def open_network(app, pilot) -> NetworkScreen:  # type: ignore[no-untyped-def]
    app.open_network(str(SPEC), SPEC.read_text())
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, NetworkScreen)
    screen.trace_checker, screen.epoch_checker = echo_trace, echo_epoch
    return screen


async def palette_titles(app, screen) -> list[str]:  # type: ignore[no-untyped-def]
    """What the palette lists on `screen`: the app's providers and the screen's own (not Textual's system)."""
    titles = []
    sources = app.COMMANDS | screen.COMMANDS  # a provider, or a function returning one (imported late)
    providers = {s if isinstance(s, type) else s() for s in sources}
    for cls in providers & {BackpropCommands, NetworkCommands}:
        async for hit in cls(screen).discover():
            titles.append(str(hit.display))
    return titles


async def test_help_opens_on_the_network_screen_from_every_door(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_network(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, NetworkHelpScreen)
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("f1")
        assert isinstance(app.screen, NetworkHelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        app.screen.query_one(Input).value = "Help: the matrix"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NetworkHelpScreen)
        text = app.screen.query_one("Static").content.markup  # the Markdown shown
        for piece in ("dW = δᵀ·A_prev", "(Wᵀ·δ) ⊙ f'(z_prev)", "(δ·W) ⊙ f'(Z_prev)", "J = diag(s) − s·sᵀ",
                      "(s − y)/N", "c: fc2:0 as a chain", "⊙"):
            assert piece in text, piece


async def test_every_footer_key_on_the_network_screen_does_what_it_says(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_network(app, pilot)
        keys = shown(screen)
        done: set[str] = set()

        async def press(key: str) -> None:
            done.add(keys[key])
            await pilot.press(key)
            await pilot.pause()

        await press("right")
        assert screen.k == 1
        await press("left")
        assert screen.k == 0
        await press("f")
        assert screen.current.phase == "loss"
        await press("b")
        assert screen.current.target == "fc1.bias"
        await press("m")
        assert screen.has_class("-matrix")
        await press("m")
        await press("question_mark")
        assert isinstance(app.screen, NetworkHelpScreen)
        await pilot.press("escape")
        await pilot.press("s")  # not in the footer (the training panel names it), and it works
        await pilot.pause()
        assert app.screen.__class__.__name__ == "PromptDialog"
        await pilot.press("escape")
        await press("u")
        assert "update applied" in screen.message
        await press("q")  # the quiz on, the input takes the keys; escape gives them back, q turns it off
        assert screen.quiz.on and isinstance(app.focused, Input)
        await pilot.press("escape", "q")
        assert not screen.quiz.on
        screen.query_one("#net-epochs", Input).value = "5"
        await press("t")
        await pilot.pause(0.3)
        assert screen.last_result is not None and screen.last_result.epochs == 5
        await press("c")  # the chain view opens on the neuron; w comes back
        await settle(app, pilot)
        assert not isinstance(app.screen, NetworkScreen) and "fc2.weight[0, 0]" in app.editor.text
        await pilot.press("w")
        await pilot.pause()
        assert app.screen is screen
        await press("escape")
        assert not isinstance(app.screen, NetworkScreen)
        assert done == set(keys.values()) - {"app.quit", "quit", "app.command_palette", "command_palette"}


async def test_keys_that_do_not_apply_are_hidden_or_dimmed(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_network(app, pilot)
        actions = set(shown(screen).values())
        assert "pause" not in actions and "panel" not in actions  # not training; every panel on screen
        assert not {"edit", "open", "presets", "find", "rebuild"} & actions  # the chain screen's, not here
        await pilot.press("left_square_bracket", "left_square_bracket")  # the inputs: no weights to open
        assert screen.check_action("chain", ()) is None


async def test_palette_offers_only_what_works_on_each_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(app, pilot)
        chain = app.screen
        titles = await palette_titles(app, chain)
        assert "Edit the program" in titles and "Open the selected neuron as a chain" not in titles
        for action in ("next", "edit", "open", "save", "presets", "find", "help_always"):
            assert app.check_action(action, ()) is True
        screen = await open_network(app, pilot)
        titles = await palette_titles(app, screen)
        assert "Edit the program" not in titles and "Open the selected neuron as a chain" in titles
        assert "Pause / resume training" not in titles and "Next panel" not in titles
        from backprop_tui.tui.commands import NETWORK_ACTIONS

        bound = {b.action for _, (_, b, *_rest) in screen.active_bindings.items()}
        for title, action, key in NETWORK_ACTIONS:
            if title in titles and key == "—":  # the palette alone offers it (start the quiz over)
                assert hasattr(screen, f"action_{action}"), action
            elif title in titles:
                assert action in bound, action  # the palette and the keys agree
        help_screen = NetworkHelpScreen()
        await app.push_screen(help_screen)
        assert await palette_titles(app, help_screen) == []  # a help offers its own close keys only


async def test_chain_screen_footer_keys_are_live_and_w_hides_without_a_network(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        keys = shown(app.screen)
        assert "w" not in keys
        for action in keys.values():
            name = action.split(".")[-1].split("(")[0]
            assert hasattr(app, f"action_{name}"), action
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert set(shown(app.screen).values()) >= {"close"}
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
