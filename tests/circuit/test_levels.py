"""Statement level <-> gate level, and when the terminal gets the ASCII drawing."""

from __future__ import annotations

import pytest

from backprop_tui.circuit.glyphs import terminal_cannot_draw_boxes
from backprop_tui.circuit.levels import gate_k, statement_k, statement_of
from backprop_tui.engine.atomize import atomize
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang import parse_program
from backprop_tui.tui.presets import BY_KEY


@pytest.mark.parametrize("key", ["seed-chain", "cs231n", "cs231n-sigmoid", "softmax", "fan-out"])
def test_a_statement_step_maps_to_its_last_gate_step_and_back(key):
    program = parse_program(BY_KEY[key].text)
    statements, gates = build_trace(program), build_trace(atomize(program))
    previous = 0
    for k in range(len(statements.steps) + 1):
        g = gate_k(statements, gates, k)
        assert g >= previous  # in order
        previous = g
        assert statement_k(gates, statements, g) == k  # and back to the same step
        if k > 0:
            s, gs = statements.steps[k - 1], gates.steps[g - 1]
            assert gs.phase == s.phase and statement_of(gs.target) == s.target
            # everything the statement step revealed is revealed: its value or gradient is known
            if s.phase == "forward":
                assert any(x.target == s.target for x in gates.steps[:g] if x.phase == "forward")


def test_seed_chain_mapping_by_name():
    program = parse_program(BY_KEY["seed-chain"].text)
    statements, gates = build_trace(program), build_trace(atomize(program))
    k = next(s.index + 1 for s in statements.steps if s.label == "grad(y1)")
    assert gates.steps[gate_k(statements, gates, k) - 1].label == "grad(y1.1)"  # y1's last gate: y1.1
    k = next(s.index + 1 for s in gates.steps if s.label == "∂y1.1/∂w1")
    assert statements.steps[statement_k(gates, statements, k) - 1].label == "∂y1/∂w1"
    k = next(s.index + 1 for s in gates.steps if s.label == "∂y1/∂y1.1")  # inside the statement only
    assert statements.steps[statement_k(gates, statements, k) - 1].label == "∂y1/∂b1"  # its last local


@pytest.mark.parametrize(("term", "encoding", "ascii"), [
    ("linux", "utf-8", True), ("vt100", "utf-8", True), ("xterm-256color", "utf-8", False),
    ("xterm-256color", "ANSI_X3.4-1968", True), ("screen", "UTF-8", False), ("", "utf_8", False),
])
def test_ascii_where_the_terminal_cannot_draw_boxes(term, encoding, ascii):
    assert terminal_cannot_draw_boxes({"TERM": term}, encoding) is ascii
