"""Command line: `backprop-tui [open] [FILE]`, `trace`, `train`, `expand`.

Headless commands print a document and exit 0 (torch agrees), 1 (torch disagrees) or 2 (bad input).
The app, textual and torch are imported only when a command needs them. Each command's work is in its
own module: trace_cli.py (programs), network/cli.py and network/model_cli.py (specs and model files),
export/cli.py, serve/cli.py; the app through tui/launch.py.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from backprop_tui import __version__
from backprop_tui.errors import BadInput

if TYPE_CHECKING:
    import argparse

SUBCOMMANDS = ("open", "trace", "train", "expand", "export", "serve")
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
  backprop-tui trace chain.bp --format latex --worksheet --blank local,grad --seed 7 > sheet.tex
  backprop-tui export chain.bp --to torch -o chain_torch.py
  backprop-tui train model.py --epochs 300      a PyTorch nn.Module file and its training loop
  backprop-tui --press n,n,n --screenshot out.svg
  backprop-tui chain.bp --quiz --quiz-phases local,grad    predict each local derivative and gradient
  backprop-tui serve chain.bp --max-sessions 30 --files class/   a classroom: the app in every browser tab
"""


DATA_HELP = ("a PyTorch model file's data: xor, spiral, iris, seed-mlp, teacher, or a CSV (features, then "
             "targets); default: the file's X and y, else a data set of the model's shape")


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="backprop-tui",
        description="Step through backpropagation: forward values, local derivatives and chain-rule "
                    "gradients, every number checked by PyTorch autograd in float64.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"backprop-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{open,trace,train,expand,export,serve}")

    p_open = sub.add_parser("open", help="open the app (the default command)")
    p_open.add_argument("file", nargs="?", help="a program (.bp, .py snippet) or network spec (.toml); - for stdin")
    p_open.add_argument("--press", help="headless: comma-separated Textual key names to press, e.g. n,n,right")
    p_open.add_argument("--screenshot", metavar="OUT.svg", help="headless: write an SVG screenshot and exit")
    p_open.add_argument("--size", default="100x30", help="headless screen size COLSxROWS (default 100x30)")
    p_open.add_argument("--ascii", action="store_true",
                        help="draw the graph with + - | > and d (automatic where the terminal cannot draw box "
                             "characters, such as the Linux console)")
    p_open.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="headless: the longest wait for the checks and any training the keys started "
                             "(default 120); past it nothing is written and the status is 2")
    p_open.add_argument("--quiz", action="store_true",
                        help="start in quiz mode: predict each number before it is shown (q toggles it)")
    p_open.add_argument("--quiz-phases", metavar="PHASES",
                        help="what the quiz asks: all (default) or forward,local,grad; implies --quiz")

    p_trace = sub.add_parser("trace", help="print every step of a program or network, checked by torch")
    p_trace.add_argument("file", help="program file, network spec (.toml), or - for stdin")
    p_trace.add_argument("--format", choices=("text", "json", "markdown", "latex"), default="text")
    p_trace.add_argument("--of", metavar="NAME", help="the output to differentiate (default: last assigned)")
    p_trace.add_argument("--atomic", action="store_true",
                         help="one primitive operation per node: intermediates are named y.1, y.2, …")
    p_trace.add_argument("--data", metavar="NAME|FILE.csv", help=DATA_HELP)

    p_train = sub.add_parser("train", help="train a network spec or a PyTorch model file with SGD, torch checking")
    p_train.add_argument("file", help="network spec (.toml), PyTorch model file (.py), or - for stdin")
    p_train.add_argument("--epochs", type=_positive, default=None,
                         help="default: a spec's [network] epochs (else 100); a model file's num_epochs (else 1,000)")
    p_train.add_argument("--data", metavar="NAME|FILE.csv", help=DATA_HELP)
    p_train.add_argument("--log-every", type=_positive, default=None, metavar="K")
    p_train.add_argument("--format", choices=("text", "json"), default="text")

    p_expand = sub.add_parser("expand", help="write one neuron of a network as a scalar chain program")
    p_expand.add_argument("file", help="network spec (.toml) or PyTorch model file (.py)")
    p_expand.add_argument("--neuron", required=True, metavar="LAYER:INDEX", help="e.g. fc2:0")
    p_expand.add_argument("--row", type=int, default=0, help="which data row (default 0)")

    # -- teaching: worksheets and the torch export (report/worksheet.py, report/latex.py, export/) -------
    p_trace.add_argument("--worksheet", action="store_true",
                         help="with --format markdown or latex: a worksheet with blanks, then its answer key")
    p_trace.add_argument("--blank", metavar="PHASES", help="which phases may be blank: forward,local,grad (all)")
    p_trace.add_argument("--seed", type=int, metavar="N", help="blank a seeded half of those steps (a sheet per N)")
    p_export = sub.add_parser("export", help="write a runnable PyTorch script that rebuilds the program or network")
    p_export.add_argument("file", help="program file, network spec (.toml), or - for stdin")
    p_export.add_argument("--to", choices=("torch",), default="torch", help="the target (torch: plain PyTorch)")
    p_export.add_argument("-o", "--output", metavar="OUT.py", help="write here instead of standard output")
    p_export.add_argument("--force", action="store_true", help="replace OUT.py if it exists")
    p_export.add_argument("--of", metavar="NAME", help="the output to differentiate (default: last assigned)")
    p_export.add_argument("--atomic", action="store_true", help="one primitive operation per statement")
    from backprop_tui.serve.cli import add_parser as add_serve  # the classroom (serve/): its own package
    add_serve(sub)
    return parser


def _positive(text: str) -> int:
    import argparse

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
    """A program's bytes (standard input may also hold a spec): regular files only, within the limits."""
    from backprop_tui.files import read_bytes
    from backprop_tui.lang.load import is_network_spec

    if path == "-" or is_network_spec(path):
        return read_bytes(path, "SPEC_BYTES", "program or spec")
    return read_bytes(path, "PROGRAM_BYTES", "program")


def open_command(args: argparse.Namespace) -> int:
    size = _size(args.size)
    quiz = None
    if args.quiz or args.quiz_phases is not None:
        from backprop_tui.quiz.questions import ALL, parse_phases

        quiz = parse_phases(args.quiz_phases) if args.quiz_phases is not None else ALL
    press = [k.strip() for k in args.press.split(",") if k.strip()] if args.press else None
    if press:
        from backprop_tui.tui.keynames import check_keys

        check_keys(press)
    if args.screenshot:
        _check_scripted(args.file, args.screenshot)
    elif not sys.stdout.isatty() or (args.file != "-" and not sys.stdin.isatty()):
        raise BadInput("the app needs a terminal; without one, use --screenshot OUT.svg (with --press KEYS) "
                       "or `backprop-tui trace`")
    from backprop_tui.tui.launch import launch

    if not (args.timeout > 0 and args.timeout < 1e6):
        raise BadInput(f"--timeout {args.timeout:g}: give a number of seconds above 0")
    return launch(args.file, press=press, screenshot=args.screenshot, size=size, timeout=args.timeout,
                  ascii=args.ascii, quiz=quiz)


def _check_scripted(path: str | None, screenshot: str) -> None:
    """Scripted mode fails fast, with status 2, where the interactive app would show an inline error."""
    if path not in (None, "-"):
        read_source(path)
    check_output_path(screenshot, "--screenshot", ".svg")


def check_output_path(target: str, option: str, suffix: str) -> None:
    """A file we may write: a name ending in `suffix`, in an existing, writable folder, and not itself a
    folder or something other than a regular file. BadInput (exit status 2) naming what is wrong."""
    import os

    from backprop_tui.files import printable_name

    shown = f"{option} {printable_name(target)}"
    if "\x00" in target:
        raise BadInput(f"{shown}: a file name cannot contain a NUL character")
    if not target.lower().endswith(suffix):
        raise BadInput(f"{shown}: screenshots are {suffix[1:].upper()} files; name it something{suffix}")
    path = Path(target)
    if path.is_dir():
        raise BadInput(f"{shown}: is a directory; give a file name inside it, such as {target}/out{suffix}")
    if path.exists() and not path.is_file():
        raise BadInput(f"{shown}: exists and is not a regular file")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise BadInput(f"{shown}: the folder {printable_name(str(folder))} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadInput(f"{shown}: permission denied: cannot write there")


def _size(text: str) -> tuple[int, int]:
    try:
        cols, rows = (int(p) for p in text.lower().split("x"))
    except ValueError:
        raise BadInput(f"--size {text}: expected COLSxROWS, such as 100x30") from None
    if not (20 <= cols <= 1000 and 10 <= rows <= 1000):
        raise BadInput(f"--size {text}: columns must be 20–1000 and rows 10–1000")
    return cols, rows


def train_command(args: argparse.Namespace, out: TextIO) -> int:
    """A network spec (TOML) or a PyTorch model file, told apart by name and content."""
    from backprop_tui.lang.load import is_network_spec
    from backprop_tui.lang.torch_model.detect import is_model_source
    from backprop_tui.network.cli import train

    text = None
    if not is_network_spec(args.file):
        from backprop_tui.lang.load import decode

        text = decode(read_source(args.file))
        if is_model_source(text):
            from backprop_tui.network.model_cli import train_model

            return train_model(args.file, text, args.epochs, args.data, args.format, out,
                               log_every=args.log_every)
        if args.file.lower().endswith(".py"):
            raise BadInput("train takes a network spec (.toml) or a PyTorch model file (an nn.Module or "
                           "nn.Sequential, a loss, optim.SGD and a training loop); this file defines no model")
    if args.data is not None:
        raise BadInput("--data applies to a PyTorch model file; a spec names its data in [data]")
    return train(args.file, args.epochs, args.log_every, args.format, out, text=text)


def dispatch(args: argparse.Namespace, out: TextIO) -> int:
    # the chain parser (lang.load) is imported only by the commands that parse: not before the app starts
    if args.command == "trace":
        from backprop_tui.lang.load import is_network_spec
        from backprop_tui.report.worksheet import options_from

        sheet = options_from(args.worksheet, args.format, args.blank, args.seed)
        if is_network_spec(args.file):
            if args.of or args.atomic:
                raise BadInput("--of and --atomic apply to programs; a network's output is its loss")
            from backprop_tui.network.cli import trace_network

            return trace_network(args.file, args.format, out, sheet=sheet)
        from backprop_tui.trace_cli import trace_command

        return trace_command(args.file, args.format, args.of, args.atomic, out, sheet, args.data)
    if args.command == "export":
        from backprop_tui.export.cli import export_command

        return export_command(args.file, args.to, args.output, args.force, args.of, args.atomic, out)
    if args.command == "train":
        return train_command(args, out)
    if args.command == "serve":
        from backprop_tui.serve.cli import serve_command
        return serve_command(args)
    if args.command == "expand":
        from backprop_tui.lang.load import is_network_spec
        from backprop_tui.lang.torch_model.detect import is_model_source
        from backprop_tui.network.cli import expand

        if not is_network_spec(args.file) and args.file != "-":
            from backprop_tui.lang.load import decode

            text = decode(read_source(args.file))
            if is_model_source(text):
                from backprop_tui.network.model_cli import expand_model

                return expand_model(args.file, text, args.neuron, args.row, out=out)
        return expand(args.file, args.neuron, args.row, out)
    return open_command(args)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """argparse, except that an unknown option is reported by its subcommand (with that subcommand's usage)
    and with the nearest known option: `trace f.bp --fromat json` suggests --format."""
    import difflib

    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        sub = _subparser(parser, args.command) or parser
        options = [o for action in sub._actions for o in action.option_strings if o.startswith("--")]
        bad = extra[0]
        near = difflib.get_close_matches(bad.split("=")[0], options, n=1, cutoff=0.6) if bad.startswith("-") \
            else []
        hint = f"; did you mean {near[0]}?" if near else ""
        sub.error(f"unrecognized argument{'s' if len(extra) > 1 else ''}: {' '.join(extra)}{hint}")
    return args


def _subparser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser | None:
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return None


# `backprop-tui` alone opens the app on the post's chain: no parser to build (argparse and its gettext
# are a few milliseconds of the app's first paint)
BARE_OPEN = {"command": "open", "file": None, "press": None, "screenshot": None, "size": "100x30", "ascii": False,
             "timeout": 120.0, "quiz": False, "quiz_phases": None}


def main(argv: list[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if not words:
        from types import SimpleNamespace

        args = SimpleNamespace(**BARE_OPEN)
    else:
        args = parse_args(normalise(words))
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
