"""`trace` and `train` of a PyTorch model file: read it (never run), let the referee replay its random draws,
train with the numpy engine, and print the file's own lines under the file's own guard.

stdout carries what the file itself would print (its prints, in its own format), so that it can be compared
with `python FILE`; stderr carries the tool's commentary: what was read, the notes (default data, the seed,
no-ops), torch's warnings, and the checks. Exit 0: torch agrees; 1: it does not (or could not check); 2: bad
input. torch runs only in the referee process (network.remote.RemoteChecker, on check.client's one client).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.torch_model import ModelPlan, read_model
from backprop_tui.lang.torch_model.values import EvalError
from backprop_tui.network import report
from backprop_tui.network.model_bind import Bound, bind
from backprop_tui.network.remote import CheckFailed, RemoteChecker

# A printed line that differs from torch's float32 one is accepted within REL_TOLERANCE relative, or within an
# absolute floor: float32's unit roundoff (2⁻²⁴) times the run's starting loss L0 (the first epoch's, float64).
# Every term of the loss and every parameter update is rounded to float32 at the scale the run starts from,
# so a converged float32 loss rests on a floor of that order while the float64 loss falls on (y = 2x, lr 0.05:
# float32 stops at 1.7e-13, float64 reaches 1e-30; L0 = 14.79, floor 8.8e-7). Identical printed text is
# agreement whatever the numbers.
REL_TOLERANCE = 1e-5
UNIT_ROUNDOFF32 = 2.0 ** -24
MAX_COMPARED = limits.MODEL_FLOAT32_LINES
DUMMY_LOSS = 0.5  # formats are tried once with it before training, so a bad format fails before any work


def _fail(err: BadInput, path: str, stream: IO[str]) -> int:
    where = "" if path == "-" or str(err).startswith(path) else f"{path}: "
    print(f"backprop-tui: {where}{err}", file=stream)
    return 2


def command_checker() -> RemoteChecker:
    """The command's own referee (check.client.take: the one started while the file was read), closed with
    the checker. CheckFailed where BACKPROP_TUI_REFEREE is not an address."""
    from backprop_tui.check.client import take
    from backprop_tui.check.protocol import RefereeError

    try:
        return RemoteChecker(take())
    except RefereeError as err:  # a BACKPROP_TUI_REFEREE that is not an address
        raise CheckFailed(str(err)) from None


def load(text: str, data: str | None, epochs: int | None, remote: RemoteChecker) -> Bound:
    """Read the file, have torch replay its draws, bind the data: raises BadInput or CheckFailed."""
    plan = read_model(text)
    init = remote.model_init(plan.rng_plan())
    return bind(plan, init, data, epochs)


def describe(path: str, b: Bound, training: bool = True) -> str:
    plan, spec = b.plan, b.spec
    what = f"class {plan.class_name}" if plan.class_name else "nn.Sequential"
    acts = ", ".join(plan.activations)
    epochs = f"{b.epochs:,} epochs; " if training else ""
    return (f"{'stdin' if path == '-' else path}: a PyTorch model ({what}): {'-'.join(map(str, spec.sizes))}, "
            f"activations {acts}; nn.{plan.loss}; SGD lr {plan.lr:g}; {epochs}{len(spec.x):,} rows ({spec.data_name})")


def commentary(path: str, b: Bound, training: bool = True) -> list[str]:
    notes = (*b.plan.notes, *(b.epoch_notes if training else ()), *b.notes)
    return [describe(path, b, training)] + [f"note: {n}" for n in notes] + [f"warning: {w}" for w in b.plan.warnings]


def app_summary(b: Bound) -> list[str]:
    """The notes in short, for the app's toast (the command line's options are not named there)."""
    plan, spec = b.plan, b.spec
    out = [f"{'-'.join(map(str, spec.sizes))} ({', '.join(plan.activations)}), nn.{plan.loss}, SGD lr {plan.lr:g}"]
    if plan.statements and plan.statements[0].get("implicit"):
        out.append("no torch.manual_seed before the first draw: seeded with torch.manual_seed(0)")
    if not plan.data_defined:
        out.append(f"{plan.x_name} and {plan.y_name} are not defined in the file: data set "
                   f"{spec.data_name.removesuffix(', default')} (the default for this shape), "
                   f"{len(spec.x):,} rows")
    labels = [f"fc{k} = {layer.label}" for k, layer in enumerate(plan.layers, 1) if layer.label != f"self.fc{k}"]
    if labels:
        out.append("layers: " + ", ".join(labels))
    return out + [f"warning: {w}" for w in plan.warnings]


# -- train --------------------------------------------------------------------------------------------
def schedule(b: Bound) -> list[bytearray]:
    """For each print of the loop, which epochs it shows (its guard, evaluated per epoch); formats are tried."""
    shows = []
    for p in b.plan.prints:
        marks = bytearray(b.epochs)
        tried = False
        epoch = 1
        try:
            for epoch in range(1, b.epochs + 1):
                env = b.env(epoch, DUMMY_LOSS)
                if p.shows(env):
                    marks[epoch - 1] = 1
                    if not tried:
                        p.line_for(env)  # the format, once, before the run
                        tried = True
        except EvalError as err:
            raise BadInput(f"line {p.line}: at epoch {epoch}, Python raises {err}") from None
        shows.append(marks)
    return shows


def compared_epochs(b: Bound, shows: list[bytearray]) -> list[int]:
    out: set[int] = set()
    for p, marks in zip(b.plan.prints, shows, strict=True):
        if p.uses_loss:
            out.update(i + 1 for i, m in enumerate(marks) if m)
    return sorted(out)[:MAX_COMPARED]


class Lines:
    """Writes the file's lines, each compared with the line torch's float32 run gives."""

    def __init__(self, b: Bound, out: IO[str], torch32: dict[int, float] | None) -> None:
        self.b, self.out, self.torch32 = b, out, torch32
        self.records: list[dict[str, Any]] = []
        self.worst = 0.0
        self.beyond: list[int] = []
        self.differ = 0
        self.overflowed: list[int] = []  # lines where only float32 overflowed (a float32 effect)
        self.left32: int | None = None  # the first epoch where the float64 run left float32's range
        self.floor: float | None = None  # UNIT_ROUNDOFF32 × the first epoch's loss (see REL_TOLERANCE)

    def epoch(self, epoch: int, loss: float, shows: list[bytearray], write: bool,
              params: dict[str, np.ndarray] | None = None) -> None:
        if self.left32 is None and beyond_float32(loss, self.b.spec.y.size, params):
            self.left32 = epoch
        if self.floor is None:
            self.floor = UNIT_ROUNDOFF32 * abs(loss) if math.isfinite(loss) else 0.0
        for p, marks in zip(self.b.plan.prints, shows, strict=True):
            if not marks[epoch - 1]:
                continue
            line = self.render(p.line_for, self.b.env(epoch, loss), p.line)
            entry: dict[str, Any] = {"epoch": epoch, "line": line, "loss": report.plain(loss)}
            t = self.torch32.get(epoch) if (self.torch32 is not None and p.uses_loss) else None
            if t is not None:
                theirs = self.render(p.line_for, self.b.env(epoch, t), p.line)
                rel = relative(loss, t)
                # only float32 overflowed (torch's inf or nan, the float64 run already past float32's
                # range): a float32 effect, as for a snippet (issue 9), not a disagreement
                effect = theirs != line and not math.isfinite(t) and self.left32 is not None
                floored = math.isfinite(loss) and math.isfinite(t) and abs(loss - t) <= (self.floor or 0.0)
                ok = theirs == line or rel <= REL_TOLERANCE or floored or effect
                entry.update(torch_line=theirs, torch_loss=report.plain(t), ok=ok)
                if effect:
                    self.overflowed.append(self.b.start + epoch - 1)  # as the loop variable counts it
                    entry["float32_effect"] = overflow_sentence(self.left_at())
                    line += f"   [float64 loss {loss:.9g}; torch float32 {t}, which prints {theirs!r}: " \
                            f"{entry['float32_effect']}]"
                elif theirs != line:
                    self.differ += 1
                    self.worst = max(self.worst, rel)
                    verdict = f"within {REL_TOLERANCE:g}" if rel <= REL_TOLERANCE else \
                        f"|Δ| {abs(loss - t):.2g}, within float32's floor {self.floor:.2g}" if floored else \
                        f"BEYOND {REL_TOLERANCE:g}: not accepted (nor within float32's floor {self.floor:.2g})"
                    line += (f"   [float64 loss {loss:.9g}; torch float32 {t:.9g}, which prints {theirs!r}; "
                             f"|Δ| {rel:.2g} relative, {verdict}]")
                if not ok:
                    self.beyond.append(self.b.start + epoch - 1)  # as the loop variable counts it
            self.records.append(entry)
            if write:
                self.out.write(line + "\n")

    def left_at(self) -> str:
        """Where the float64 run left float32's range, as the file's loop variable counts."""
        return f"{self.b.plan.loop.var} = {self.b.start + (self.left32 or 1) - 1}"

    def render(self, fn: Callable[[dict[str, Any]], str], env: dict[str, Any], line: int) -> str:
        try:
            return fn(env)
        except EvalError as err:  # e.g. '%d' % nan: Python would raise here too
            raise BadInput(f"line {line}: Python raises {err}") from None


FLOAT32_MAX = float(np.finfo(np.float32).max)  # 3.4028235e38


def beyond_float32(loss: float, terms: int, params: dict[str, np.ndarray] | None) -> bool:
    """Whether float32 cannot hold this epoch of the float64 run: its loss not finite, the sum the loss
    averages (loss × terms, at least every squared or log term of it) or a parameter past float32's
    largest finite value (torch then holds inf, and nan after inf − inf)."""
    if not math.isfinite(loss) or abs(loss) * max(1, terms) > FLOAT32_MAX:
        return True
    return params is not None and any(not np.all(np.abs(p) <= FLOAT32_MAX) for p in params.values())


def overflow_sentence(where: str) -> str:
    return (f"float32 overflowed: the float64 run left float32's range (max {FLOAT32_MAX:.3g}) at {where}, "
            "so torch's float32 run holds inf or nan from about there: a float32 effect, not a disagreement")


def relative(a: float, b: float) -> float:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


def once(b: Bound, prints: tuple[Any, ...], env: dict[str, Any], out: IO[str] | None) -> list[str]:
    lines = []
    for p in prints:
        try:
            lines.append(p.line_for(env))
        except EvalError as err:
            raise BadInput(f"line {p.line}: Python raises {err}") from None
        if out is not None:
            out.write(lines[-1] + "\n")
    return lines


def _referee(path: str, checker: Callable[[], RemoteChecker] | None, err: IO[str]) -> RemoteChecker | None:
    """The torch referee for one command (`checker` in tests), or None once the failure is said on `err`."""
    try:
        return (checker or command_checker)()
    except CheckFailed as e:
        print(f"backprop-tui: {path}: the torch referee failed: {e}", file=err)
        return None


def _replay_failed(path: str, e: CheckFailed, err: IO[str]) -> int:
    print(f"backprop-tui: {path}: the torch referee could not replay the file's draws: {e}", file=err)
    return 1


def train_model(path: str, text: str, epochs: int | None, data: str | None, fmt: str = "text",
                out: IO[str] | None = None, err: IO[str] | None = None, log_every: int | None = None,
                checker: Callable[[], RemoteChecker] | None = None) -> int:
    """Train a model file as it trains itself; print its lines; torch checks both ways (see module doc)."""
    from backprop_tui.network.cli import run_training

    out, err = out or sys.stdout, err or sys.stderr
    remote = _referee(path, checker, err)
    if remote is None:
        return 1
    try:
        try:
            if fmt not in ("text", "json"):
                raise BadInput(f"--format {fmt}: train writes text or json")
            if log_every is not None:
                raise BadInput("--log-every: a model file prints what its own print and guard say (the checks "
                               "sample every tenth of the run)")
            b = load(text, data, epochs, remote)
            shows = schedule(b)
            report_epochs = compared_epochs(b, shows)
        except BadInput as e:
            return _fail(e, path, err)
        except CheckFailed as e:
            return _replay_failed(path, e, err)
        text_out = fmt == "text"
        if text_out:
            err.write("\n".join(commentary(path, b)) + "\n")
            err.flush()
        torch_error = None
        try:
            losses32 = remote.model_train32(b.float32_run(report_epochs)) if report_epochs else []
            torch32: dict[int, float] | None = dict(zip(report_epochs, losses32, strict=True))
        except CheckFailed as e:
            torch32, torch_error = None, str(e)
        env0 = b.env(1)
        env0.pop(b.plan.loop.var)
        try:
            before = once(b, b.plan.extra["before"], env0, out if text_out else None)
            lines = Lines(b, out, torch32)
            res = run_training(b.spec, b.epochs, max(1, b.epochs // 10), checker=remote.check_epoch,
                               watch=lambda e, loss, params: lines.epoch(e, loss, shows, text_out, params))
            last = res.losses[-1] if res.losses else math.nan
            after = once(b, b.plan.extra["after"], b.env(len(res.losses), last), out if text_out else None)
        except BadInput as e:
            return _fail(e, path, err)
        except CheckFailed as e:
            print(f"backprop-tui: {path}: the torch referee failed during training: {e}", file=err)
            return 1
        ok = res.ok and torch_error is None and not lines.beyond
        summary = float32_summary(lines, torch_error, len(report_epochs), b.plan.loop.var, res.ok)
        if text_out:
            err.write(f"Final loss (after the last update): {report.loss_text(res.final_loss)}\n")
            err.write(res.checks_line() + "\n" + summary + "\n")
        else:
            doc = json.loads(report.train_json(res))
            doc["ok"] = ok
            doc["model"] = model_json(path, b) | {
                "printed": before + [r["line"] for r in lines.records] + after, "lines": lines.records,
                "float32": {"compared": len(report_epochs), "differ": lines.differ, "beyond": lines.beyond,
                            "overflowed": lines.overflowed,
                            "max_relative": lines.worst, "tolerance": REL_TOLERANCE, "floor": lines.floor,
                            "error": torch_error,
                            "summary": summary}}
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return 0 if ok else 1
    finally:
        remote.close()


def float32_summary(lines: Lines, error: str | None, compared: int, var: str = "epoch", f64_ok: bool = True) -> str:
    if error is not None:
        return f"torch float32 (the file as written): could not run ({error})"
    if not compared:
        return "torch float32 (the file as written): no printed loss to compare"
    head = f"torch float32 (the file as written, run by the referee): {compared:,} printed line(s) compared"
    said = []
    if lines.beyond:
        why = (" (the float64 run agrees with torch's float64 at every checked epoch: float32 rounding has "
               "accumulated past the accepted bound)" if f64_ok else "")
        said.append(f"{len(lines.beyond)} differ beyond {REL_TOLERANCE:g} relative, not accepted ({var} = " +
                    ", ".join(map(str, lines.beyond[:10])) + ")" + why)
    elif lines.differ:
        said.append(f"{lines.differ} differ in the printed digits, all within {REL_TOLERANCE:g} relative or "
                    f"float32's floor {lines.floor or 0:.2g} (2⁻²⁴ × the starting loss): float32 rounding")
    if lines.overflowed:
        said.append(f"{len(lines.overflowed)} differ because only float32 overflowed ({var} = " +
                    ", ".join(map(str, lines.overflowed[:10])) + "; the float64 run left float32's range at "
                    f"{lines.left_at()}): float32 effects, not disagreements")
    return head + ("; " + "; ".join(said) if said else ", every one identical")


def model_json(path: str, b: Bound) -> dict[str, Any]:
    plan: ModelPlan = b.plan
    return {"file": path, "class": plan.class_name, "layers": [layer.label for layer in plan.layers],
            "torch_loss": plan.loss, "epochs": b.epochs, "notes": [*plan.notes, *b.epoch_notes, *b.notes],
            "warnings": list(plan.warnings), "seed": plan.seed, "data": b.spec.data_name}


# -- trace --------------------------------------------------------------------------------------------
def trace_model(path: str, text: str, data: str | None, fmt: str = "text", out: IO[str] | None = None,
                err: IO[str] | None = None, checker: Callable[[], RemoteChecker] | None = None) -> int:
    """One forward, backward and update of the model on its data, from torch's initial parameters."""
    from backprop_tui.network.engine import trace as build_net_trace

    out, err = out or sys.stdout, err or sys.stderr
    remote = _referee(path, checker, err)
    if remote is None:
        return 1
    try:
        try:
            if fmt not in report_formats():
                raise BadInput(f"--format {fmt}: choose one of {', '.join(report_formats())}")
            b = load(text, data, None, remote)
            with np.errstate(all="ignore"):
                net = build_net_trace(b.spec)
        except BadInput as e:
            return _fail(e, path, err)
        except CheckFailed as e:
            return _replay_failed(path, e, err)
        try:
            net = remote.check_trace(net)
        except CheckFailed as e:
            err.write(f"torch could not check: {e}\n")
        if fmt == "json":
            doc = json.loads(report.trace_json(net))
            doc["model"] = model_json(path, b)
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        else:
            err.write("\n".join(commentary(path, b, training=False)) + "\n")
            out.write(report.trace_markdown(net) if fmt == "markdown" else report.trace_text(net))
        return 0 if net.ok else 1
    finally:
        remote.close()


def report_formats() -> tuple[str, ...]:
    return ("text", "json", "markdown")


def expand_model(path: str, text: str, neuron: str, row: int, data: str | None = None, out: IO[str] | None = None,
                 err: IO[str] | None = None, checker: Callable[[], RemoteChecker] | None = None) -> int:
    """One neuron of the model, from torch's initial parameters, as a scalar chain program (as for a spec)."""
    from backprop_tui.network.expand import expand_neuron, parse_neuron

    out, err = out or sys.stdout, err or sys.stderr
    remote = _referee(path, checker, err)
    if remote is None:
        return 1
    try:
        b = load(text, data, None, remote)
        layer, unit = parse_neuron(b.spec, neuron)
        with np.errstate(all="ignore"):
            exp = expand_neuron(b.spec, layer, unit, row)
    except BadInput as e:
        return _fail(e, path, err)
    except CheckFailed as e:
        return _replay_failed(path, e, err)
    finally:
        remote.close()
    out.write(exp.text)
    return 0
