"""The circuit's geometry on small graphs and on bench/step_time.py's 1,000-node program: every edge drawn
or stubbed, no two labels overlapping, every node placed, and the same drawing every time."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pytest
from rich.cells import cell_len

from backprop_tui.circuit import Detail, Structure, draw, model_of, structure_of
from backprop_tui.circuit.canvas import Canvas, measure, plain
from backprop_tui.engine.atomize import atomize
from backprop_tui.engine.trace import Trace, build_trace
from backprop_tui.lang import parse_program
from backprop_tui.tui.presets import BY_KEY

ROOT = Path(__file__).resolve().parents[2]
LABELS = {"value", "grad", "local", "share", "stub", "uses", "name", "gate"}


def big_program(nodes: int) -> str:
    spec = importlib.util.spec_from_file_location("step_time", ROOT / "bench" / "step_time.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.big_program(nodes)


def circuit(text: str, gates: bool = False, detail: Detail | None = None) -> tuple[Trace, Structure, Canvas]:
    detail = detail or Detail()
    program = parse_program(text)
    trace = build_trace(atomize(program) if gates else program)
    st = structure_of(model_of(trace, detail.ascii))
    return trace, st, draw(st, detail)


def check_sound(trace: Trace, st: Structure, canvas: Canvas) -> None:
    """No overlapping spans; every node placed; every edge either a wire into its port or a stub."""
    for r, row in enumerate(canvas.rows):
        for a, b in itertools.pairwise(row):
            assert a.x + a.width <= b.x, f"row {r}: {a} overlaps {b}"
        for s in row:
            assert s.width == cell_len(s.text), s
            assert s.x >= 0 and s.x + s.width <= canvas.width
    assert set(canvas.boxes) == set(trace.names)
    by_kind: dict[str, set] = {}
    for row in canvas.rows:
        for s in row:
            by_kind.setdefault(s.kind, set()).add(s.ref)
    for name in trace.names:
        assert name in by_kind["name"] and name in by_kind["value"] and name in by_kind["grad"]
    for loc in trace.locals:
        edge = (loc.wrt, loc.of)
        assert edge in by_kind["local"], f"no ∂ label for {edge}"
        if st.edge_drawn(*edge):
            assert _wired(st, canvas, *edge), f"{edge} drawn but its port is not joined to a wire"
        else:
            assert edge in by_kind["stub"], f"{edge} is neither drawn nor stubbed"


def _wired(st: Structure, canvas: Canvas, src: str, dst: str) -> bool:
    """The cell just left of the port's entering wire carries src's wire (a track, a run or a crossing)."""
    node = st.slots[dst]
    port = next(p for p in node.ports if p.src == src)
    row = canvas.row_of(node.layer, port.row)  # a band lower down is shifted (circuit.bands)
    entering = next(s for s in canvas.rows[row] if s.kind == "wire" and s.ref == (src, dst))
    before = canvas.at(row, entering.x - 1)
    return before is not None and before.ref == src and before.kind in ("wire", "cross")


def test_seed_chain_reads_left_to_right():
    trace, st, canvas = circuit(BY_KEY["seed-chain"].text)
    check_sound(trace, st, canvas)
    layer = {name: st.slots[name].layer for name in trace.names}
    assert layer == {"x": 0, "w1": 0, "b1": 0, "w2": 1, "b2": 1, "y1": 1, "y2": 2}  # leaves before first use
    assert canvas.height == 9  # three 3-row leaves: value above, wire, gradient below
    # y1 and y2 on one row: the chain runs straight, its leaves bend to it
    assert st.slots["y1"].row == st.slots["y2"].row


def test_cs231n_circuit_values_above_and_gradients_below():
    trace, st, canvas = circuit(BY_KEY["cs231n"].text)
    check_sound(trace, st, canvas)
    for name in trace.names:
        row = st.slots[name].row
        assert any(s.kind == "value" and s.ref == name for s in canvas.rows[row - 1])
        assert any(s.kind == "grad" and s.ref == name for s in canvas.rows[row + 1])
    assert [s.text for s in canvas.rows[st.slots["f"].row] if s.kind == "gate" and s.ref == "f"] == ["┤×├"]
    assert st.slots["q"].row == st.slots["f"].row  # q's wire runs straight into f; z bends to it
    assert measure(st) == canvas.width <= 46  # the graph panel at 80x24


def test_diamond_gate_level_forks_and_joins():
    trace, st, canvas = circuit("x = 3\ny = (x + x)*x\n", gates=True)
    check_sound(trace, st, canvas)
    assert st.drawn["x"] == ["y.1", "y"]  # x feeds the + gate and, one column on, the × gate
    shares = {s.ref: s.text for row in canvas.rows for s in row if s.kind == "share"}
    assert shares == {("x", "y.1"): "6", ("x", "y"): "6"}  # each branch its share: 6 + 6 = grad(x) = 12
    assert trace.grads["x"] == 12
    grad_x = next(s.text for row in canvas.rows for s in row if s.kind == "grad" and s.ref == "x")
    assert grad_x == "12"  # the stem carries the sum


def test_fan_out_of_three_shows_each_share_and_the_sum():
    trace, st, canvas = circuit(BY_KEY["fan-out"].text)
    check_sound(trace, st, canvas)
    assert st.drawn["a"] == ["c", "d", "e"] and not st.stubs
    shares = {s.ref[1]: float(s.text) for row in canvas.rows for s in row if s.kind == "share" and s.ref[0] == "a"}
    assert shares == {"c": 6.0, "d": 3.0, "e": 9.0}
    assert sum(shares.values()) == trace.grads["a"] == 18
    assert ("a", 1) in st.passes and ("a", 2) in st.passes  # the wire to e passes through two columns


def test_long_skip_edge_passes_through_or_becomes_a_stub():
    chain = ["a = 1", "b = 2", "c = a*b"] + [f"c{i} = {'c' if i == 1 else f'c{i - 1}'}*2" for i in range(1, 7)]
    near = "\n".join([*chain[:5], "f = c2 + a"]) + "\n"  # a read 4 columns on: drawn
    far = "\n".join([*chain, "f = c6 + a"]) + "\n"  # a read 7 columns on: a stub
    trace, st, canvas = circuit(near)
    check_sound(trace, st, canvas)
    assert st.edge_drawn("a", "f") and all(("a", layer) in st.passes for layer in range(1, 4))
    trace, st, canvas = circuit(far)
    check_sound(trace, st, canvas)
    assert not st.edge_drawn("a", "f") and st.stubs["a"] == ["f"]
    stub = [s for row in canvas.rows for s in row if s.kind == "stub"]
    assert [(s.text, s.ref) for s in stub] == [("a", ("a", "f"))]
    uses = [s.text for row in canvas.rows for s in row if s.kind == "uses"]
    assert uses == ["→ f"]  # the definition lists its far use


def test_softmax_outputs_each_read_every_score():
    trace, st, canvas = circuit(BY_KEY["softmax"].text)
    check_sound(trace, st, canvas)
    for p in ("p1", "p2", "p3"):
        assert [port.src for port in st.slots[p].ports] == ["z1", "z2", "z3"]
        gate = next(s.text for s in canvas.rows[st.slots[p].row] if s.kind == "gate")
        assert gate == f"┤softmax{'₁₂₃'[int(p[1]) - 1]}├"


def test_cs231n_sigmoid_at_gate_level_has_the_lectures_gates():
    trace, st, canvas = circuit(BY_KEY["cs231n-sigmoid"].text, gates=True)
    check_sound(trace, st, canvas)
    gates = sorted(st.model.by_name[n].gate for n in trace.names if st.model.by_name[n].gate)
    assert gates == sorted(["×", "×", "+", "+", "−x", "exp", "+1", "1/x"])
    values = {s.ref: s.text for row in canvas.rows for s in row if s.kind == "value"}
    assert values["f"] == "0.7311" and values["f.6"] == "0.3679"  # CS231n: 0.73 and 0.37


def test_names_are_measured_in_cells():
    trace, st, canvas = circuit("重量 = 2\nx = 3\ny = 重量*x\n")
    check_sound(trace, st, canvas)
    name = next(s for row in canvas.rows for s in row if s.ref == "重量" and s.kind == "name")
    assert name.width == 4
    stem = next(s for s in canvas.rows[st.slots["重量"].row] if s.kind == "wire" and s.ref == "重量")
    assert stem.x == name.x + 5  # the name's 4 cells and a space


def test_ascii_drawing_has_no_box_characters():
    trace, st, canvas = circuit(BY_KEY["fan-out"].text, detail=Detail(ascii=True))
    check_sound(trace, st, canvas)
    text = "\n".join(plain(canvas, r) for r in range(canvas.height))
    assert text.isascii()
    assert "d=9->" in text and "[*]" in text


def test_detail_ladder_narrows_the_drawing():
    _, st, _ = circuit(BY_KEY["seed-chain"].text)
    widths = [measure(st, d) for d in (Detail(4, True), Detail(4, False), Detail(3, False))]
    assert widths[0] > widths[1] >= widths[2]
    assert widths[1] <= 51  # the graph panel at 80x24 holds the seed chain


@pytest.fixture(scope="module")
def thousand():
    trace = build_trace(parse_program(big_program(1000)))
    st = structure_of(model_of(trace))
    return trace, st, draw(st)


def test_thousand_nodes_every_node_and_edge(thousand):
    trace, st, canvas = thousand
    check_sound(trace, st, canvas)
    assert len(canvas.boxes) == 1000
    assert len(st.passes) < 100  # far uses are stubs, not wires through hundreds of columns
    stubbed = sum(len(v) for v in st.stubs.values())
    assert stubbed + len(st.wires) == len(trace.locals)
    assert canvas.height < 40


def test_thousand_nodes_is_deterministic(thousand):
    _trace, _, canvas = thousand
    again = draw(structure_of(model_of(build_trace(parse_program(big_program(1000))))))
    assert again.rows == canvas.rows and again.boxes == canvas.boxes


def test_a_long_drawing_drawn_a_chunk_at_a_time_is_the_same_drawing(thousand):
    """draw() gives a 900-column drawing as a LazyCanvas: its boxes, any window of spans, and all its rows
    are those of the drawing made at once."""
    from backprop_tui.circuit.canvas import _Texts, draw_layers, finish
    from backprop_tui.circuit.glyphs import Glyphs
    from backprop_tui.circuit.lazy import LazyCanvas

    _, st, lazy = thousand
    assert isinstance(lazy, LazyCanvas)
    detail = Detail()
    rows: list = [[] for _ in range(st.height)]
    boxes: dict = {}
    width = draw_layers(st, 0, len(st.layers), 0, _Texts(st.model, detail, Glyphs()), Glyphs(), rows, boxes)
    whole = finish(Canvas(width, st.height, rows, boxes=boxes))
    fresh = draw(st, detail)
    assert fresh.boxes == whole.boxes and fresh.width == whole.width
    for x0 in (0, 7_000, whole.width - 60):  # windows drawn before anything else is
        for r in range(st.height):
            assert fresh.spans_between(r, x0, x0 + 60) == whole.spans_between(r, x0, x0 + 60)
    assert fresh.rows == whole.rows

