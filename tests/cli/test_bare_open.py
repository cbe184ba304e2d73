"""`backprop-tui` alone skips the argument parser (start-up time): its arguments must be the parser's."""

from __future__ import annotations

import subprocess
import sys

from backprop_tui.cli import BARE_OPEN, build_parser, normalise


def test_the_bare_open_arguments_are_the_parsers_defaults():
    assert vars(build_parser().parse_args(normalise([]))) == BARE_OPEN


def test_the_cli_loads_neither_the_parser_nor_argparse_before_dispatch():
    probe = ("import sys, backprop_tui.cli; "
             "print(sorted(m for m in ('argparse', 'backprop_tui.lang.chain', 'backprop_tui.lang.load') "
             "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
