"""`backprop-tui export FILE --to torch [-o OUT.py] [--force]`: exit 0 written, 2 bad input.

The script goes to standard output, or to OUT.py, which is never replaced without --force (and never when it
is the program itself); the file is written whole or not at all (a temporary file, then a rename).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TextIO

from backprop_tui.errors import BadInput


def export_command(path: str, to: str, output: str | None, force: bool, of: str | None, atomic: bool,
                   out: TextIO) -> int:
    from backprop_tui.cli import read_source
    from backprop_tui.lang.load import decode, is_network_spec

    if to != "torch":
        raise BadInput(f"--to {to}: the one target is torch")
    text = decode(read_source(path))
    title = "stdin" if path == "-" else path
    if is_network_spec(None if path == "-" else path, text):
        if of or atomic:
            raise BadInput("--of and --atomic apply to programs; a network's output is its loss")
        script = _network(text, path, title)
    else:
        from backprop_tui.export.torch_script import chain_script
        from backprop_tui.lang import parse_program

        program = parse_program(text, of)
        if atomic:
            from backprop_tui.engine.atomize import atomize

            program = atomize(program)
        script = chain_script(program, title)
    if output is None:
        out.write(script)
    else:
        write_new(Path(output), script, force, None if path == "-" else Path(path))
    return 0


def _network(text: str, path: str, title: str) -> str:
    import numpy as np

    from backprop_tui.export.torch_network import network_script
    from backprop_tui.network.engine import trace
    from backprop_tui.network.spec import parse_spec

    spec = parse_spec(text, base=Path.cwd() if path == "-" else Path(path).parent)
    with np.errstate(all="ignore"):
        return network_script(trace(spec), title)


def write_new(target: Path, text: str, force: bool, source: Path | None) -> None:
    """Write `text` to `target` whole (temporary file, then rename); refuse to replace without `force`."""
    if source is not None and target.exists() and target.resolve() == source.resolve():
        raise BadInput(f"-o {target}: that is the program itself; write the script to another file")
    if target.exists() and not force:
        raise BadInput(f"-o {target}: the file exists; add --force to replace it")
    if target.exists() and not target.is_file():
        raise BadInput(f"-o {target}: not a regular file")
    folder = target.resolve().parent
    if not folder.is_dir():
        raise BadInput(f"-o {target}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError as err:
        raise BadInput(f"-o {target}: cannot write it ({err.strerror or err.__class__.__name__})") from None
