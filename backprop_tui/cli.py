"""Command line: `backprop-tui [open] [FILE]`, `trace`, `train`, `expand`.

Headless commands print a document and exit 0 (torch agrees), 1 (torch disagrees) or 2 (bad input).
The app, textual and torch are imported only when a command needs them.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from backprop_tui import __version__
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import is_network_spec

if TYPE_CHECKING:
    from backprop_tui.engine.trace import Trace

SUBCOMMANDS = ("open", "trace", "train", "expand")
EXAMPLES = """\
examples:
  backprop-tui                          open the app on the blog post's chain
  backprop-tui chain.bp                 open a program in the app
  backprop-tui trace chain.bp           print every step, checked by torch
  backprop-tui trace chain.bp --format json --of y1
  echo 'x = 2; y = x*x' | backprop-tui trace -
  backprop-tui trace net.toml           one forward, backward and update of a network
  backprop-tui train net.toml --epochs 1000 --log-every 100
  backprop-tui expand net.toml --neuron fc2:0
  backprop-tui --press n,n,n --screenshot out.svg
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop-tui",
        description="Step through backpropagation: forward values, local derivatives and chain-rule "
                    "gradients, every number checked by PyTorch autograd in float64.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"backprop-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{open,trace,train,expand}")

    p_open = sub.add_parser("open", help="open the app (the default command)")
    p_open.add_argument("file", nargs="?", help="a program (.bp, .py snippet) or network spec (.toml); - for stdin")
    p_open.add_argument("--press", help="headless: comma-separated Textual key names to press, e.g. n,n,right")
    p_open.add_argument("--screenshot", metavar="OUT.svg", help="headless: write an SVG screenshot and exit")
    p_open.add_argument("--size", default="100x30", help="headless screen size COLSxROWS (default 100x30)")

    p_trace = sub.add_parser("trace", help="print every step of a program or network, checked by torch")
    p_trace.add_argument("file", help="program file, network spec (.toml), or - for stdin")
    p_trace.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p_trace.add_argument("--of", metavar="NAME", help="the output to differentiate (default: last assigned)")
    p_trace.add_argument("--atomic", action="store_true",
                         help="one primitive operation per node: intermediates are named y.1, y.2, …")

    p_train = sub.add_parser("train", help="train a network spec with SGD, torch checking sampled epochs")
    p_train.add_argument("file", help="network spec (.toml) or - for stdin")
    p_train.add_argument("--epochs", type=_positive, default=100)
    p_train.add_argument("--log-every", type=_positive, default=None, metavar="K")
    p_train.add_argument("--format", choices=("text", "json"), default="text")

    p_expand = sub.add_parser("expand", help="write one neuron of a network as a scalar chain program")
    p_expand.add_argument("file", help="network spec (.toml)")
    p_expand.add_argument("--neuron", required=True, metavar="LAYER:INDEX", help="e.g. fc2:0")
    p_expand.add_argument("--row", type=int, default=0, help="which data row (default 0)")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def normalise(argv: list[str]) -> list[str]:
    """A first argument that is not a subcommand belongs to `open` (`./trace` opens a file named trace)."""
    if argv and argv[0] in SUBCOMMANDS:
        return argv
    if argv and argv[0] in ("-h", "--help", "--version"):
        return argv
    return ["open", *argv]


def read_source(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a program file") from None
    except OSError as err:
        raise BadInput(f"{path}: cannot read it ({err.strerror})") from None


def trace_command(path: str, fmt: str, of: str | None, atomic: bool, out: TextIO) -> int:
    from backprop_tui.check import fd_figures
    from backprop_tui.check.client import take
    from backprop_tui.check.pipeline import ChainCheck, exact_for
    from backprop_tui.check.protocol import RefereeError
    from backprop_tui.engine.trace import build_trace
    from backprop_tui.lang import parse_program
    from backprop_tui.lang.load import decode
    from backprop_tui.report import chain_json, chain_text

    data = read_source(path)
    text = decode(data)
    if path == "-" and is_network_spec(None, text):
        from backprop_tui.network.cli import trace_network

        return trace_network(path, fmt, out, text=text)
    try:
        referee = take().start()  # torch loads on the other core while this one parses and derives
    except RefereeError as err:
        raise BadInput(f"the torch referee failed: {err}") from None
    try:
        program = parse_program(text, of)
        if atomic:
            from backprop_tui.engine.atomize import atomize

            program = atomize(program)
        check = ChainCheck(referee, program)
        trace = build_trace(program)
        fd = fd_figures(trace)
        exact = exact_for(program, trace.output)  # the third referee, while torch works
        heads = chain_json.prerender(trace) if fmt == "json" else None  # so is most of the JSON
        trace = check.finish(trace, fd, exact)
    except RefereeError as err:
        referee.kill()
        raise BadInput(f"the torch referee failed: {err}") from None
    except BaseException:
        referee.kill()  # bad input: no need to wait for torch
        raise
    referee.close(wait=False)
    extra = snippet_extra(trace) if program.dialect == "torch" else None
    queries_ok = all(q["ok"] for q in extra["queries"]) if extra else True
    if not queries_ok:
        extra["ok"] = False  # type: ignore[index]
    title = "stdin" if path == "-" else path
    if fmt == "json":
        out.write(chain_json.document_text(trace, extra, heads) + "\n")
    elif fmt == "markdown":
        out.write(chain_text.markdown(trace, title, extra))
    else:
        out.write(chain_text.text(trace, title, extra))
    return 0 if trace.ok and queries_ok else 1


def snippet_extra(trace: Trace) -> dict:
    """The torch dialect's queries and prints, each checked by real torch (report.snippet_checks)."""
    from backprop_tui.report.snippet_checks import snippet_checks

    return snippet_checks(trace)


def open_command(args: argparse.Namespace) -> int:
    size = _size(args.size)
    press = [k.strip() for k in args.press.split(",") if k.strip()] if args.press else None
    if args.screenshot:
        _check_scripted(args.file, args.screenshot)
    elif not sys.stdout.isatty() or (args.file != "-" and not sys.stdin.isatty()):
        raise BadInput("the app needs a terminal; without one, use --screenshot OUT.svg (with --press KEYS) "
                       "or `backprop-tui trace`")
    from backprop_tui.tui.launch import launch

    return launch(args.file, press=press, screenshot=args.screenshot, size=size)


def _check_scripted(path: str | None, screenshot: str) -> None:
    """Scripted mode fails fast, with status 2, where the interactive app would show an inline error."""
    if path not in (None, "-"):
        read_source(path)
    folder = Path(screenshot).resolve().parent
    if not folder.is_dir():
        raise BadInput(f"--screenshot {screenshot}: the folder {folder} does not exist")
    if not screenshot.lower().endswith(".svg"):
        raise BadInput(f"--screenshot {screenshot}: screenshots are SVG files; name it something.svg")


def _size(text: str) -> tuple[int, int]:
    try:
        cols, rows = (int(p) for p in text.lower().split("x"))
    except ValueError:
        raise BadInput(f"--size {text}: expected COLSxROWS, such as 100x30") from None
    if not (20 <= cols <= 1000 and 10 <= rows <= 1000):
        raise BadInput(f"--size {text}: columns must be 20–1000 and rows 10–1000")
    return cols, rows


def dispatch(args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "trace":
        if is_network_spec(args.file):
            if args.of or args.atomic:
                raise BadInput("--of and --atomic apply to programs; a network's output is its loss")
            from backprop_tui.network.cli import trace_network

            return trace_network(args.file, args.format, out)
        return trace_command(args.file, args.format, args.of, args.atomic, out)
    if args.command == "train":
        from backprop_tui.network.cli import train

        return train(args.file, args.epochs, args.log_every, args.format, out)
    if args.command == "expand":
        from backprop_tui.network.cli import expand

        return expand(args.file, args.neuron, args.row, out)
    return open_command(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(normalise(list(sys.argv[1:] if argv is None else argv)))
    if args.command != "open":
        # a headless run builds ~10 objects per statement and exits: collection passes over them
        # would only add time that grows faster than the program
        gc.disable()
    if args.command in ("trace", "train"):
        from backprop_tui.check import client

        client.prestart()  # torch's import, the longest wait, starts before anything is read
    try:
        return dispatch(args, sys.stdout)
    except BadInput as err:
        where = "" if getattr(args, "file", None) in (None, "-") or str(err).startswith(args.file) \
            else f"{args.file}: "
        print(f"backprop-tui: {where}{err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        if args.command in ("trace", "train"):
            from backprop_tui.check import client

            client.discard()  # never used (bad input before it was needed): stopped, not left to load torch
