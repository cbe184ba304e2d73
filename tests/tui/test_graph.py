"""The circuit in the app: whole on one screen at 80x24, the level and fit keys, find, clicks, ASCII, and a
1,000-node program whose every node is reachable."""

from __future__ import annotations

import asyncio

import pytest

from backprop_tui.tui.presets import BY_KEY
from tests.circuit.test_layout import big_program
from tests.tui.conftest import settle


def visible(app, name: str, kind: str) -> bool:
    """The span of `kind` for node `name` lies wholly inside the graph's content region at its scroll."""
    graph = app.graph
    region = graph.scrollable_content_region
    sx, sy = graph.scroll_offset
    px, py = graph._pad
    for r, row in enumerate(graph.canvas.rows):
        for s in row:
            if s.kind == kind and s.ref == name:
                x, y = s.x + px - sx, r + py - sy
                return x >= 0 and x + s.width <= region.width and 0 <= y < region.height
    raise AssertionError(f"no {kind} span for {name}")


async def laid_out(app, pilot) -> None:
    """Wait for a large program's background build and layout."""
    for _ in range(500):
        if app.graph.canvas is not None:
            break
        await asyncio.sleep(0.02)
    await pilot.pause()


def screen_text(app) -> str:
    return "\n".join(app.graph.render_line(y).text for y in range(app.graph.scrollable_content_region.height))


@pytest.mark.parametrize("key", ["seed-chain", "cs231n"])
@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_whole_circuit_fits(make_app, key, size):
    app = make_app(BY_KEY[key].text)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        st = app.state
        for k in (0, st.n):
            await pilot.press("home" if k == 0 else "end")
            assert app.graph.virtual_size.width <= app.graph.scrollable_content_region.width
            assert app.graph.virtual_size.height <= app.graph.scrollable_content_region.height
            text = screen_text(app)
            for name in st.trace.names:
                assert visible(app, name, "name"), (k, name)
                assert visible(app, name, "value") and visible(app, name, "grad")
                if k:
                    assert st.value_known(name, k) and st.grad_known(name, k)
            if k:  # every value and gradient is written on screen, with 4 significant digits
                assert all(v in text for v in ("7", "3")) if key == "seed-chain" else "-12" in text
            else:
                assert "?" in text


@pytest.mark.parametrize("size", [(140, 45), (120, 40)])
async def test_gate_level_sigmoid_neuron_fits_whole(make_app, size):
    """CS231n's neuron at gate level is eight columns wide: fit wraps it in bands (borrowing the left
    column's spare width when that saves a band), every gate, name and number in view at every step."""
    app = make_app(BY_KEY["cs231n-sigmoid"].text)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)
        graph, st = app.graph, app.state
        assert {"exp", "1/x"} <= {n.gate for n in graph.structure.model.nodes}
        for key in ("home", "f", "end"):
            await pilot.press(key)
            await pilot.pause()
            assert graph.canvas.bands > 1
            assert graph.virtual_size.width <= graph.scrollable_content_region.width
            assert graph.virtual_size.height <= graph.scrollable_content_region.height
            for name in st.trace.names:
                assert visible(app, name, "name") and visible(app, name, "value") and visible(app, name, "grad")
        assert "0.731" in screen_text(app)  # f: CS231n's 0.73
        left = app.query_one("#left")
        assert left.size.width >= 24  # the program and variables stay usable
        await pilot.press("g")  # statement level fits in one line: the program column gets its width back
        await settle(app, pilot)
        assert app.graph.canvas.bands == 1 and left.outer_size.width == size[0] * 34 // 100


async def test_seed_chain_at_80x24_keeps_the_panels_readable(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.graph.border_title.startswith("graph")
        assert app.query_one("#left").size.width >= 24  # the editor and the table stay usable


@pytest.mark.parametrize(("size", "written"), [((80, 24), True), ((100, 30), False)])
async def test_a_compound_gate_is_written_out_in_the_step_panel(make_app, size, written):
    """At 80x24 fit draws the seed chain's statements as ƒ: the step panel says what ƒ stands for at each
    step about it; at 100x30 the formulas are in the gates themselves."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert app.graph.drawn_compound("y1") is written and not app.graph.drawn_compound("x")
        await pilot.press("f", "n")  # ∂y1/∂x, an edge into y1's gate
        text = str(app.query_one("#step").render())
        assert ("ƒ is y1's statement: y1 = x·w1 + b1" in text) is written
        await pilot.press("end")  # grad(x) = grad(y1)·∂y1/∂x: the use it sums is y1's gate
        assert ("ƒ is y1's statement" in str(app.query_one("#step").render())) is written


async def test_g_switches_level_and_maps_the_step(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "n", "n")  # ∂y1/∂w1
        assert app.state.step(app.k).label == "∂y1/∂w1"
        await pilot.press("slash", *"y1", "enter")
        await pilot.press("g")
        await settle(app, pilot)
        assert app.level == "gate" and "gates" in app.graph.border_title
        assert app.state.step(app.k).label == "∂y1.1/∂w1"  # its last gate step
        assert "y1.1" in app.graph.canvas.boxes and app.selected == "y1"
        await pilot.press("slash", *"y1.1", "enter")
        assert app.selected == "y1.1"
        await pilot.press("g")
        assert app.level == "statement" and app.state.step(app.k).label == "∂y1/∂w1"
        assert app.selected == "y1"  # the gate's statement


async def test_gate_level_is_checked_by_the_referee(make_app):
    app = make_app(BY_KEY["cs231n-sigmoid"].text)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)
        assert app.state.trace.checked and app.state.n == len(app.state.trace.steps)
        gates = {n.gate for n in app.graph.structure.model.nodes if n.gate}
        assert {"×", "+", "−x", "exp", "+1", "1/x"} <= gates


async def test_z_toggles_fit_and_one_to_one(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        fitted = app.graph.canvas.width
        assert app.graph.detail.full_gates is False  # ƒ: the formulas would not fit at 80x24
        await pilot.press("z")
        assert "1:1" in app.graph.border_title and app.graph.detail.full_gates
        assert app.graph.canvas.width > fitted  # now it scrolls
        await pilot.press("z")
        assert "fit" in app.graph.border_title and app.graph.canvas.width == fitted


async def test_clicking_a_stub_selects_the_far_value(make_app):
    chain = ["a = 1", "b = 2", "c = a*b"] + [f"c{i} = {'c' if i == 1 else f'c{i - 1}'}*2" for i in range(1, 7)]
    app = make_app("\n".join([*chain, "f = c6 + a"]) + "\n")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        graph = app.graph
        stub = next((r, s) for r, row in enumerate(graph.canvas.rows) for s in row if s.kind == "stub")
        assert graph.node_at(stub[1].x, stub[0]) == "a"
        assert graph.node_at(stub[1].x + stub[1].width + 2, stub[0]) == "f"  # the port itself: its consumer


async def test_ascii_graph(make_app):
    app = make_app(BY_KEY["fan-out"].text, ascii=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        text = screen_text(app)
        assert text.isascii() and "d=" in text and "->" in text and "[*]" in text


async def test_thousand_nodes_every_node_is_reachable(make_app):
    app = make_app(big_program(1000))
    async with app.run_test(size=(100, 30)) as pilot:
        await laid_out(app, pilot)
        assert len(app.graph.canvas.boxes) == 1000
        for name in ("n899", "a57", "n450"):
            await pilot.press("slash", *name, "enter")
            await pilot.pause()
            assert app.selected == name and visible(app, name, "name")
        await pilot.press("end")
        assert visible(app, "a0", "grad")  # the last step, grad(a0), scrolled into view


async def test_the_current_node_stays_whole_when_the_step_panel_grows(make_app):
    """At 80x24 the step panel takes a row more at the end of the forward pass, and the graph a row less:
    the current node, its value and its gradient's slot stay in view."""
    app = make_app(big_program(1000))
    async with app.run_test(size=(80, 24)) as pilot:
        await laid_out(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        last = app.state.step(app.k).target
        assert all(visible(app, last, kind) for kind in ("name", "value", "grad"))


async def test_a_large_program_opened_is_built_once(make_app):
    """Loading fills the editor, whose change event (after the debounce) asks for the same build again:
    that one is not started twice (the second used to discard the first, doubling the open)."""
    app = make_app(check=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = app.build_request
        app.load_text(big_program(1000))
        for _ in range(500):
            if len(app.graph.canvas.boxes) == 1000:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # past the editor's debounce
        await pilot.pause()
        assert app.build_request == before + 1 and len(app.graph.canvas.boxes) == 1000
