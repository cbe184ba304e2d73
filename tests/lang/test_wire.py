"""A parsed program sent to the referee's process reads back as the same program."""

from __future__ import annotations

import json

from backprop_tui.engine.atomize import atomize
from backprop_tui.engine.trace import build_trace
from backprop_tui.lang import parse_program
from backprop_tui.lang.wire import decode, encode

PROGRAM = """\
x = 0.5
c = const(2)
w = -1.5
z1 = x*w + c
z2 = tanh(z1)**2 - x/c
p1, p2, p3 = softmax(z1, z2, -x)
y = -log(p2) + relu(z1)*sqrt(c)
"""


def steps(program):
    return [(s.phase, s.target, s.wrt, s.value) for s in build_trace(program).steps]


def test_round_trip_gives_the_same_steps_and_output():
    for program in (parse_program(PROGRAM), parse_program(PROGRAM, "z2"), atomize(parse_program(PROGRAM))):
        back = decode(json.loads(json.dumps(encode(program))))
        assert back.names == program.names and back.output == program.output
        assert [a.constant for a in back.assignments] == [a.constant for a in program.assignments]
        assert [a.reads for a in back.assignments] == [a.reads for a in program.assignments]
        assert steps(back) == steps(program)
