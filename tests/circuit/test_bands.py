"""Fit (circuit.fit) and bands (circuit.bands): a circuit too wide for its panel wraps into bands, each wire
unbroken from band to band; one band whenever one fits; nothing measured for a program far too wide."""

from __future__ import annotations

from backprop_tui.circuit import Detail, draw, fit
from backprop_tui.circuit.bands import MAX_WIRES, geometry
from backprop_tui.circuit.canvas import plain
from backprop_tui.circuit.fit import LADDER, plan
from backprop_tui.tui.presets import BY_KEY
from tests.circuit.test_layout import big_program, check_sound, circuit

SIGMOID = BY_KEY["cs231n-sigmoid"].text


def test_one_band_whenever_one_fits():
    _, st, _ = circuit(BY_KEY["seed-chain"].text)
    chosen = plan(st, 51, 18)  # the graph panel at 80x24 with the step panel's usual height
    assert chosen.fits and chosen.cuts == () and chosen.width <= 51
    assert plan(st, 200, 40).detail == LADDER[0]  # room to spare: everything said


def test_gate_level_sigmoid_wraps_into_two_bands_at_140_columns():
    trace, st, _ = circuit(SIGMOID, gates=True)
    chosen = plan(st, 114, 30)  # the graph at 140x45 with the left column at its narrowest
    assert chosen.fits and len(chosen.cuts) == 1
    canvas = draw(st, chosen.detail, chosen.cuts)
    assert canvas.width <= 114 and canvas.height <= 30 and canvas.bands == 2
    check_sound(trace, st, canvas)  # no overlaps; every edge joined to its wire, across the wrap too
    text = [plain(canvas, r) for r in range(canvas.height)]
    band2 = next(r for r, line in enumerate(text) if "f.5" in line)
    assert "┤exp├ f.6" in text[band2] and "┤1/x├ f " in text[band2]  # the chain's tail, whole, below
    assert text[band2 - 2].lstrip().startswith("╭") and text[band2].startswith("╰")  # the wire comes down


def test_gate_level_sigmoid_fits_the_usual_left_column_at_120_columns():
    _, st, _ = circuit(SIGMOID, gates=True)
    chosen = plan(st, 78, 28)
    assert chosen.fits and 1 < len(chosen.cuts) + 1 <= 4
    canvas = draw(st, chosen.detail, chosen.cuts)
    assert canvas.width <= 78 and canvas.height <= 28


def test_cuts_only_where_few_wires_cross_and_they_do_not_cross_each_other():
    _, st, _ = circuit(SIGMOID, gates=True)
    geo = geometry(st, LADDER[-1])
    for width in (60, 78, 94, 114):
        chosen = plan(st, width, 40)
        assert all(geo.crossing[c - 1] <= MAX_WIRES for c in chosen.cuts)
        canvas = draw(st, chosen.detail, chosen.cuts)
        assert not any(s.kind == "cross" for row in canvas.rows for s in row)


def test_a_fork_wraps_with_its_wires_apart():
    """Two wires cross a cut (a value used twice after it): each keeps its own lanes."""
    text = "a = 2\nb = 3\nc = a*b\nd = c + 1\ne = d*c\nf = e + d\n"
    trace, st, _ = circuit(text)
    geo = geometry(st, LADDER[0])
    cut = next(c for c in range(1, len(st.layers)) if geo.crossing[c - 1] == 2)
    canvas = draw(st, LADDER[0], (cut,))
    check_sound(trace, st, canvas)
    assert canvas.bands == 2 and not any(s.kind == "cross" for row in canvas.rows for s in row)


def test_banded_drawing_is_deterministic_and_ascii_stays_ascii():
    _, st, _ = circuit(SIGMOID, gates=True, detail=Detail(ascii=True))
    chosen = plan(st, 78, 28, ascii=True)
    once, again = draw(st, chosen.detail, chosen.cuts), draw(st, chosen.detail, chosen.cuts)
    assert once.rows == again.rows and once.boxes == again.boxes
    assert all(plain(once, r).isascii() for r in range(once.height))


def test_a_thousand_columns_measure_nothing(monkeypatch):
    _, st, _ = circuit(big_program(1000))

    def measure(*args: object) -> int:
        raise AssertionError("measured a drawing that cannot fit")

    monkeypatch.setattr(fit, "measure", measure)
    chosen = plan(st, 100, 30)  # a bound on the columns says it cannot fit
    assert not chosen.fits and chosen.cuts == () and chosen.detail == LADDER[-1]
