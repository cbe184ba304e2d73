"""The 2-2-2 diagram at the sizes a learner uses: every weight on its edge, with ∂L/∂w where room allows, all
inside the diagram; no wire's braille dot in a neuron's box or in a label."""

from __future__ import annotations

import pytest

from backprop_tui.tui.net_layout import Layout
from backprop_tui.tui.widgets.net_diagram import NetDiagram, v4
from tests.network.test_screen import host

W = {"fc1.weight": ["0.15", "0.2", "0.25", "0.3"], "fc2.weight": ["0.4", "0.45", "0.5", "0.55"]}  # w1…w8
DL_DW = {"fc1.weight": ["0.0004386", "0.0008771", "0.0004977", "0.0009954"],
         "fc2.weight": ["0.08217", "0.08267", "−0.0226", "−0.02274"]}


def _is_braille(ch: str) -> bool:
    return 0x2800 <= ord(ch) < 0x2900


def labels(d: NetDiagram) -> dict[tuple[int, int, int], str]:
    """Each weight edge's label as drawn, its lines joined by a space, after checking it lies inside the
    diagram, clear of every wire's dots, with a blank cell between the wire and its text."""
    lay = d.layout_
    assert lay is not None and lay.labels
    rows = [d.render_line(y).text for y in range(d.size.height)]
    out = {}
    for e in (e for e in lay.edges if e.layer <= 2):
        assert e.label_w, f"fc{e.layer}.weight[{e.dst},{e.src}] has no label"
        assert e.label_x >= 0 and e.label_x + e.label_w < d.size.width  # the arrow's column too
        assert e.run_y >= 0 and e.run_y + e.label_rows <= d.size.height
        lines = []
        for i in range(e.label_rows):
            cells = rows[e.run_y + i][e.label_x: e.label_x + e.label_w + (1 if i else 0)]
            assert not any(_is_braille(c) for c in cells), cells
            assert cells[0] == " "  # the wire's last dot and the label's first figure never touch
            lines.append(cells.strip(" ─━"))
        out[(e.layer, e.dst, e.src)] = " ".join(lines)
    return out


def no_wire_in_a_box(d: NetDiagram, lay: Layout) -> None:
    rows = [d.render_line(y).text for y in range(d.size.height)]
    for col in lay.columns:
        for slot in col.slots:
            for y in range(slot.y, slot.y + slot.height):
                cells = rows[y][col.x: col.x + col.width]
                assert not any(_is_braille(c) for c in cells), (col.layer, slot.unit, cells)


def expect(got: dict[tuple[int, int, int], str], grads: bool) -> None:
    for layer in (1, 2):
        name = f"fc{layer}.weight"
        for i, (w, g) in enumerate(zip(W[name], DL_DW[name], strict=True)):
            text = got[(layer, i // 2, i % 2)]  # fc.weight[dst, src], row-major: w1 = x1→h1, w2 = x2→h1 …
            assert text.split(" ")[0] == w, (name, i, text)
            if grads:
                assert text.endswith(g) and "∂L/∂w" in text, (name, i, text)


@pytest.mark.parametrize("size", [(100, 30), (120, 40), (140, 45)])
async def test_every_weight_and_its_gradient_is_on_its_edge_inside_the_diagram(size) -> None:
    app = host("classic-2-2-2")
    async with app.run_test(size=size) as pilot:
        d = app.screen.query_one(NetDiagram)
        await pilot.press("f")
        await pilot.pause()
        expect(labels(d), grads=False)  # after the forward pass: all eight weights
        no_wire_in_a_box(d, d.layout_)
        text = "\n".join(d.render_line(y).text for y in range(d.size.height))
        assert all(f"a {a}" in text for a in ("0.5933", "0.5969", "0.7514", "0.7729"))
        await pilot.press("b")
        await pilot.pause()
        expect(labels(d), grads=True)  # after the backward pass: each weight with its ∂L/∂w (here they fit)
        no_wire_in_a_box(d, d.layout_)
        await pilot.press("end")
        await pilot.pause()
        params = app.screen.net.updated
        for (layer, dst, src), text in labels(d).items():  # the update: the new weight, old one where it fits
            assert text.endswith(f"→{v4(float(params[f'fc{layer}.weight'][dst, src]))}"), text
        no_wire_in_a_box(d, d.layout_)


async def test_the_readme_example_keeps_its_one_row_form_where_it_fits() -> None:
    app = host("classic-2-2-2")
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        d = app.screen.query_one(NetDiagram)
        assert labels(d)[(2, 0, 0)] == "0.4 ∂L/∂w 0.08217"  # README: on the h1→o1 edge
