"""Headless network mode: `trace`, `train` and `expand`. Each returns the exit status.

0: every torch check agrees; 1: one disagrees (the document is still printed); 2: bad input (a short
message on stderr, never a traceback). Also runnable on its own: python -m backprop_tui.network.cli.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.load import is_network_spec
from backprop_tui.network import report
from backprop_tui.network.engine import NetTrace, forward, loss_value
from backprop_tui.network.engine import trace as build_net_trace
from backprop_tui.network.engine import train as engine_train
from backprop_tui.network.expand import expand_neuron, parse_neuron
from backprop_tui.network.remote import CheckFailed, RemoteChecker
from backprop_tui.network.spec import Spec, parse_spec, read_spec_text
from backprop_tui.network.verdict import arrays_agree

if TYPE_CHECKING:
    from backprop_tui.report.worksheet import SheetOptions

FORMATS = ("text", "json", "markdown", "latex")


def _load(path: str, text: str | None = None, command: str | None = None) -> Spec:
    """The spec at `path` (or its text, already read). With `command`, a file that is not a network spec
    (no .toml name and no [network] table) is refused with what it is and which command reads it."""
    if text is None:
        text = read_spec_text(path)
    if command is not None and not is_network_spec(None if path == "-" else path, text):
        raise BadInput(not_a_spec(path, text, command))
    return parse_spec(text, base=Path.cwd() if path == "-" else Path(path).parent)


def not_a_spec(path: str, text: str, command: str) -> str:
    """Why `train`/`expand` cannot take this file, for a newcomer who passed the chain program."""
    from backprop_tui.lang import parse_program

    need = (f"{command} needs a network spec: a TOML file with a [network] table, such as "
            "examples/classic-2-2-2.toml, or a PyTorch model file (an nn.Module, a loss, optim.SGD and its "
            "training loop), such as examples/seed_mlp.py")
    try:
        program = parse_program(text)
    except BadInput:
        return f"{need}; this file has no [network] table"
    kind = "a PyTorch snippet" if program.dialect == "torch" else "a chain program"
    return f"{need}. This file is {kind}, for `trace`: backprop-tui trace {path}"


def _fail(err: BadInput, path: str | None = None) -> int:
    """As the main CLI says it: `backprop-tui: FILE: message` (the file named once)."""
    where = "" if path in (None, "-") or str(err).startswith(str(path)) else f"{path}: "
    print(f"backprop-tui: {where}{err}", file=sys.stderr)
    return 2


def trace_network(path: str, fmt: str = "text", out: IO[str] | None = None, text: str | None = None,
                  sheet: SheetOptions | None = None) -> int:
    """One forward, backward and update on the whole batch, every step checked by torch.

    `text`: the spec already read (standard input that the caller has sniffed); `sheet`: write a worksheet
    or a LaTeX document (report.worksheet) instead of the trace."""
    out = out or sys.stdout
    try:
        if fmt not in FORMATS:
            raise BadInput(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
        spec = _load(path, text)
    except BadInput as err:
        return _fail(err, path)
    try:
        with _referee() as checker:  # torch loads in the referee while this process computes
            with np.errstate(all="ignore"):
                tr = build_net_trace(spec)
            tr = checker.check_trace(tr)
    except BadInput as err:
        return _fail(err, path)
    if sheet is not None or fmt == "latex":
        from backprop_tui.report.worksheet import SheetOptions, network_sheet, render

        title = "stdin" if path == "-" else path
        try:
            out.write(render(network_sheet(tr, title, sheet or SheetOptions(), report._summary(tr)), fmt))
        except BadInput as err:
            return _fail(err, path)
        return 0 if tr.ok else 1
    render = {"text": report.trace_text, "json": report.trace_json, "markdown": report.trace_markdown}[fmt]
    out.write(render(tr))
    return 0 if tr.ok else 1


def sample_epochs(epochs: int, every: int) -> set[int]:
    """The epochs torch checks: the first, the last and every K-th."""
    return {1, epochs, *range(every, epochs + 1, every)}


def default_log_every(epochs: int) -> int:
    return max(1, epochs // 10)


EpochChecker = Callable[[Spec, dict[str, np.ndarray]], tuple[float, dict[str, np.ndarray]]]


def run_training(spec: Spec, epochs: int, log_every: int, on_epoch: Callable[[int, float], object] | None = None,
                 check: bool = True, checker: EpochChecker | None = None,
                 watch: Callable[[int, float, dict[str, np.ndarray]], object] | None = None) -> report.TrainResult:
    """Train with the numpy engine; torch checks the sampled epochs from the engine's own weights.

    `on_epoch(epoch, loss)` is called after every epoch (a progress bar); returning False stops the run early.
    `watch(epoch, loss, params)` is the same with the live parameters after the epoch's update (the app's
    worker; copy what you keep, they change in place); it replaces on_epoch when given.
    `checker(spec, start) -> (loss, params after the update)` is torch's side
    (network.remote.RemoteChecker.check_epoch: the referee's "network.epoch"). Training goes on through
    inf and nan, as a torch loop would; the epochs where both sides hold the same inf or nan agree.
    """
    sampled = sample_epochs(epochs, log_every) if check else set()
    checked: list[int] = []
    disagreed: list[int] = []
    worst = [0.0]
    check_epoch = checker if sampled else None
    if sampled and check_epoch is None:
        raise ValueError("run_training needs a checker for the sampled epochs (or check=False)")

    def after(ep, params: dict[str, np.ndarray]) -> bool:
        if ep.start is not None and check_epoch is not None:
            t_loss, t_params = check_epoch(spec, ep.start)
            ok, err = _compare(ep.loss, params, t_loss, t_params)
            worst[0] = max(worst[0], err)
            checked.append(ep.epoch)
            if not ok:
                disagreed.append(ep.epoch)
        if watch is not None:
            return watch(ep.epoch, ep.loss, params) is not False
        if on_epoch is not None:
            return on_epoch(ep.epoch, ep.loss) is not False
        return True

    with np.errstate(all="ignore"):
        losses, params = engine_train(spec, epochs, keep=sampled.__contains__, on_epoch=after)
        _, acts = forward(spec, params, spec.x)
        final = loss_value(spec.loss, spec.output, acts[-1], spec.y)
    return report.TrainResult(spec, len(losses), losses, final, params, checked, disagreed, worst[0])


def _compare(loss: float, params: dict[str, np.ndarray], t_loss: float, t_params: dict[str, np.ndarray],
             ) -> tuple[bool, float]:
    """Engine against torch for one epoch: the loss and every parameter after the update. The same inf or
    nan on both sides is agreement (a diverging run diverges identically); the figure returned is the
    largest difference between finite pairs."""
    ok, err = arrays_agree(np.asarray(loss, dtype=np.float64), np.asarray(t_loss, dtype=np.float64))
    for name, p in params.items():
        same, diff = arrays_agree(np.asarray(p), np.asarray(t_params[name]))
        ok, err = ok and same, max(err, diff)
    return ok, err


def train(path: str, epochs: int | None, log_every: int | None, fmt: str = "text", out: IO[str] | None = None,
          text: str | None = None) -> int:
    """Full-batch SGD; text prints the post's `Epoch [k/N], Loss: x` lines, json the whole run.

    `epochs` None: the spec's own ([network] epochs, 100 when it does not say). `text`: the spec already
    read (standard input that the caller has sniffed)."""
    out = out or sys.stdout
    try:
        if fmt not in ("text", "json"):
            raise BadInput(f"--format {fmt}: train writes text or json")
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
            raise BadInput(f"--epochs {epochs}: give a whole number of at least 1")
        if epochs is not None and epochs > limits.EPOCHS:
            raise limits.over("EPOCHS", epochs, f"--epochs {epochs}: the number of epochs")
        if log_every is not None and (isinstance(log_every, bool) or not isinstance(log_every, int)
                                      or log_every < 1):
            raise BadInput(f"--log-every {log_every}: give a whole number of at least 1")
        spec = _load(path, text, command="train")
        epochs = spec.epochs if epochs is None else epochs
        every = default_log_every(epochs) if log_every is None else log_every
    except BadInput as err:
        return _fail(err, path)
    tty = fmt == "text" and _isatty(out)
    bar_step = max(1, epochs // 100)

    def on_epoch(epoch: int, loss: float) -> bool:
        if fmt != "text":
            return True
        if epoch % every == 0:
            if tty:
                out.write("\r\x1b[K")
            out.write(report.epoch_line(epoch, epochs, loss) + "\n")
        if tty and (epoch % bar_step == 0 or epoch == epochs):
            done = epoch * 30 // epochs
            out.write(f"\r[{'#' * done}{'.' * (30 - done)}] {epoch}/{epochs}")
            out.flush()
        return True

    if fmt == "text":
        out.write(report.describe(spec) + "\n")
    try:
        with _referee() as checker:
            res = run_training(spec, epochs, every, on_epoch, checker=checker.check_epoch)
    except BadInput as err:
        return _fail(err, path)
    if fmt == "json":
        out.write(report.train_json(res))
    else:
        if tty:
            out.write("\r\x1b[K")
        out.write(f"Final loss (after the last update): {report.loss_text(res.final_loss)}\n")
        out.write(res.checks_line() + "\n")
        out.write("\n".join(["", *report.warnings_text(report.training_warnings(res))]))
    return 0 if res.ok else 1


@contextlib.contextmanager
def _referee() -> Iterator[CheckerOfCommand]:
    """A referee for one command, started at once (torch loads meanwhile), closed at the end."""
    from backprop_tui.check.client import take
    from backprop_tui.check.protocol import RefereeError

    try:
        referee = take().start()
    except RefereeError as err:
        raise BadInput(f"the torch referee failed: {err}") from None
    try:
        yield CheckerOfCommand(RemoteChecker(referee))
    finally:
        referee.close()


class CheckerOfCommand:
    """RemoteChecker for a headless command: a referee failure is a short message (exit 2), never a
    traceback."""

    def __init__(self, remote: RemoteChecker) -> None:
        self.remote = remote

    def check_trace(self, tr: NetTrace) -> NetTrace:
        try:
            return self.remote.check_trace(tr)
        except CheckFailed as err:
            raise BadInput(f"the torch referee failed: {err}") from None

    def check_epoch(self, spec: Spec, start: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
        try:
            return self.remote.check_epoch(spec, start)
        except CheckFailed as err:
            raise BadInput(f"the torch referee failed: {err}") from None


def _isatty(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def expand(path: str, neuron: str, row: int = 0, out: IO[str] | None = None) -> int:
    """Print one neuron, for one data row, as a scalar program of the chain language, loss included."""
    out = out or sys.stdout
    try:
        spec = _load(path, command="expand")
        layer, unit = parse_neuron(spec, neuron)
        with np.errstate(all="ignore"):
            exp = expand_neuron(spec, layer, unit, row)
    except BadInput as err:
        return _fail(err, path)
    out.write(exp.text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backprop_tui.network.cli")
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("trace")
    t.add_argument("spec")
    t.add_argument("--format", default="text", choices=FORMATS)
    r = sub.add_parser("train")
    r.add_argument("spec")
    r.add_argument("--epochs", type=int, default=None)
    r.add_argument("--log-every", type=int, default=None)
    r.add_argument("--format", default="text", choices=("text", "json"))
    e = sub.add_parser("expand")
    e.add_argument("spec")
    e.add_argument("--neuron", required=True)
    e.add_argument("--row", type=int, default=0)
    args = parser.parse_args(argv)
    if args.cmd == "trace":
        return trace_network(args.spec, args.format)
    if args.cmd == "train":
        return train(args.spec, args.epochs, args.log_every, args.format)
    return expand(args.spec, args.neuron, args.row)


if __name__ == "__main__":
    sys.exit(main())
