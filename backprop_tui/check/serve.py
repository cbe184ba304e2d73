"""The torch referee as a server process, so a front end never holds torch (or the GIL) itself.

`python -m backprop_tui.check.serve` reads one JSON request per line on stdin:
    {"id": 1, "text": "<program text>", "output": null, "atomic": false, "fd": true}
("atomic" and "fd" are optional: one primitive per node; whether to add the finite differences), or
    {"id": 1, "program": <lang.wire.encode(program)>, "fd": false}   (a chain program already parsed)
and writes one JSON answer per line on stdout:
    {"id": 1, "ok": true, "figures": {"values": {...}, "grads": {...}, "locals": [[of, wrt, value], ...],
     "fd_grads": {...}, "fd_locals": [[of, wrt, value], ...]}}
or {"id": 1, "ok": false, "error": "..."}. The first line it writes is {"ready": true, "torch": "<version>"}
once torch is imported. It exits at the end of stdin.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from backprop_tui.check.figures import Figures


def figures_to_json(fig: Figures) -> dict[str, Any]:
    return {
        "values": fig.values, "grads": fig.grads,
        "locals": [[of, wrt, v] for (of, wrt), v in fig.locals.items()],
        "fd_grads": fig.fd_grads,
        "fd_locals": [[of, wrt, v] for (of, wrt), v in fig.fd_locals.items()],
        "queries": fig.queries,
    }


def figures_from_json(data: dict[str, Any]) -> Figures:
    return Figures(
        values=dict(data["values"]), grads=dict(data["grads"]),
        locals={(of, wrt): v for of, wrt, v in data["locals"]},
        fd_grads=dict(data.get("fd_grads", {})),
        fd_locals={(of, wrt): v for of, wrt, v in data.get("fd_locals", [])},
        queries=dict(data.get("queries", {})),
    )


def answer(request: dict[str, Any]) -> dict[str, Any]:
    from dataclasses import replace

    from backprop_tui.check.finite_diff import fd_figures
    from backprop_tui.check.torch_referee import torch_figures
    from backprop_tui.engine.trace import build_trace
    from backprop_tui.lang import parse_program

    try:
        if "program" in request:  # already parsed (and atomized) by the CLI
            from backprop_tui.lang.wire import decode

            program = decode(request["program"])
        else:
            program = parse_program(request["text"], request.get("output"))
        if request.get("atomic") and "program" not in request:
            from backprop_tui.engine.atomize import atomize

            program = atomize(program)
        fig = torch_figures(program, program.output)
        if program.dialect == "torch":
            from backprop_tui.check.torch_snippet import torch_queries

            fig = replace(fig, queries=torch_queries(program))
        if request.get("fd", True):
            fd_grads, fd_locals = fd_figures(build_trace(program))
            fig = replace(fig, fd_grads=fd_grads, fd_locals=fd_locals)
    except Exception as err:  # the answer names the failure; the server keeps serving
        return {"id": request.get("id"), "ok": False, "error": f"{type(err).__name__}: {err}"}
    return {"id": request.get("id"), "ok": True, "figures": figures_to_json(fig)}


def main() -> int:
    import gc

    import torch

    gc.freeze()  # torch's own objects are for life: keep collections from walking them again and again

    out = sys.stdout
    out.write(json.dumps({"ready": True, "torch": torch.__version__}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError as err:
            reply: dict[str, Any] = {"id": None, "ok": False, "error": f"bad request: {err}"}
        else:
            gc.disable()  # ~10 objects per statement, no cycles worth finding mid-request
            try:
                reply = answer(request)
            finally:
                gc.enable()
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
