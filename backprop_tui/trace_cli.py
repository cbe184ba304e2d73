"""`backprop-tui trace` of a program: a chain (.bp), a torch snippet or script, or a PyTorch model file.

Kept apart from cli.py (the parser and the dispatch): the work of one command, from the source's bytes
to the printed document and the exit status, 0 (torch agrees), 1 (torch disagrees) or 2 (bad input).
A network spec (.toml) goes to network/cli.py, a model file to network/model_cli.py. Imported only when
the command runs, so that `import backprop_tui.cli` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from backprop_tui.cli import read_source
from backprop_tui.errors import BadInput

if TYPE_CHECKING:
    from backprop_tui.report.worksheet import SheetOptions


def trace_command(path: str, fmt: str, of: str | None, atomic: bool, out: TextIO,
                  sheet: SheetOptions | None = None, data: str | None = None) -> int:
    from backprop_tui.check import fd_figures
    from backprop_tui.check.client import take
    from backprop_tui.check.pipeline import ChainCheck, exact_for
    from backprop_tui.check.protocol import RefereeError
    from backprop_tui.engine.trace import build_trace
    from backprop_tui.lang import parse_program
    from backprop_tui.lang.load import decode, is_network_spec
    from backprop_tui.report import chain_json, chain_text

    text = decode(read_source(path))
    if path == "-" and is_network_spec(None, text):
        from backprop_tui.network.cli import trace_network

        return trace_network(path, fmt, out, text=text, sheet=sheet)
    from backprop_tui.lang.torch_model.detect import is_model_source

    if is_model_source(text):
        if of or atomic:
            raise BadInput("--of and --atomic apply to programs; a model's output is its loss")
        from backprop_tui.network.model_cli import trace_model

        return trace_model(path, text, data, fmt, out)
    if data is not None:
        raise BadInput("--data applies to a PyTorch model file (an nn.Module or nn.Sequential and its training loop)")
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
    title = "stdin" if path == "-" else path
    if getattr(program, "script", None):  # backward(), loops, updates: report.script_report
        from backprop_tui.report.script_report import write_script

        return write_script(trace, title, fmt, out, sheet)  # type: ignore[arg-type]
    extra = None
    if program.dialect == "torch":  # its queries and prints, each checked by real torch
        from backprop_tui.report.snippet_checks import snippet_checks

        extra = snippet_checks(trace)
    queries_ok = all(q["ok"] for q in extra["queries"]) if extra else True
    if not queries_ok:
        extra["ok"] = False  # type: ignore[index]
    if sheet is not None:
        from backprop_tui.report.worksheet import chain_sheet, render

        out.write(render(chain_sheet(trace, title, sheet, chain_text.summary(trace)), fmt))
    elif fmt == "json":
        out.write(chain_json.document_text(trace, extra, heads) + "\n")
    elif fmt == "markdown":
        out.write(chain_text.markdown(trace, title, extra))
    else:
        out.write(chain_text.text(trace, title, extra))
    return 0 if trace.ok and queries_ok else 1
