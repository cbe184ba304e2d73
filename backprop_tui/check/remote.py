"""The torch referee in a process of its own.

`import torch` takes about a second and holds the GIL; in a child process it runs on the other core
while this one parses, derives and writes (the CLI), or paints (the app). The child reads the program
text as JSON on stdin and answers with the figures as JSON on stdout: plain data both ways, nothing
executed.

    python -m backprop_tui.check.remote   < {"source": "...", "output": "y2", "atomic": false}
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from typing import Any

from backprop_tui.check.figures import Figures
from backprop_tui.errors import BadInput


class Referee:
    """A started child; `figures()` waits for its answer."""

    def __init__(self, source: str, output: str | None, atomic: bool = False) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "backprop_tui.check.remote"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"source": source, "output": output, "atomic": atomic}).encode())
        self._proc.stdin.close()

    def figures(self) -> Figures:
        assert self._proc.stdout is not None and self._proc.stderr is not None
        data = self._proc.stdout.read()
        err = self._proc.stderr.read()
        self._proc.wait()
        try:
            answer = json.loads(data)
        except ValueError:
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no answer"]
            raise BadInput(f"the torch referee failed: {tail[0]}") from None
        if "error" in answer:
            raise BadInput(f"the torch referee failed: {answer['error']}")
        return decode(answer)

    def cancel(self) -> None:
        self._proc.kill()


def encode(fig: Figures, names: list[str]) -> dict[str, Any]:
    return {"names": names, "values": [fig.values[n] for n in names], "grads": [fig.grads[n] for n in names],
            "locals": [[of, wrt, v] for (of, wrt), v in fig.locals.items()], "queries": fig.queries}


def decode(answer: dict[str, Any]) -> Figures:
    names = answer["names"]
    return Figures(dict(zip(names, answer["values"], strict=True)), dict(zip(names, answer["grads"], strict=True)),
                   {(of, wrt): v for of, wrt, v in answer["locals"]}, queries=answer.get("queries", {}))


def serve() -> int:
    from backprop_tui.lang import parse_program

    request = json.loads(sys.stdin.buffer.read())
    try:
        from backprop_tui.check.torch_referee import torch_figures

        program = parse_program(request["source"], request.get("output"))
        if request.get("atomic"):
            from backprop_tui.engine.atomize import atomize

            program = atomize(program)
        figures = torch_figures(program, program.output)
        if program.dialect == "torch":
            from backprop_tui.check.torch_snippet import torch_queries

            figures = replace(figures, queries=torch_queries(program))
        answer = encode(figures, program.names)
    except BadInput as err:
        answer = {"error": str(err)}
    except ImportError as err:
        answer = {"error": f"torch could not be imported ({err})"}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    import gc

    gc.disable()  # short-lived: see cli.main
    sys.exit(serve())
