"""The one entry the CLI calls: open a file (or stdin, or the seed chain) in the app, or script it headless."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def read_source(path: str | None) -> tuple[str, str | None, str | None]:
    """(text, path to save to, error to show): a bad file still opens the app, with the error inline."""
    from backprop_tui.tui.presets import SEED_CHAIN

    if path is None:
        return SEED_CHAIN, None, None
    from backprop_tui.errors import BadInput
    from backprop_tui.files import cannot_open, read_bytes
    from backprop_tui.lang.load import decode
    try:
        text = decode(read_bytes(path, "SPEC_BYTES", "program or spec"))
    except BadInput as err:
        return SEED_CHAIN, None, cannot_open(path, err)
    return text, None if path == "-" else path, None


def write_screenshot(target: str, svg: str) -> None:
    """Write the SVG, or BadInput (exit status 2) saying why it cannot be written."""
    from backprop_tui.errors import BadInput
    from backprop_tui.files import printable_name
    from backprop_tui.tui.svg_cells import pin_cells

    try:
        Path(target).write_text(pin_cells(svg), encoding="utf-8")
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise BadInput(f"--screenshot {printable_name(target)}: cannot write it ({reason})") from None


def _stdin_from_terminal() -> None:
    """The program came on stdin; the keys must come from the terminal."""
    import contextlib
    import os

    with contextlib.suppress(OSError):
        fd = os.open("/dev/tty", os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)


def launch(path: str | None, press: list[str] | None = None, screenshot: str | None = None,
           size: tuple[int, int] = (100, 30), checker=None, timeout: float = 120.0, ascii: bool = False,
           network_checkers=None, quiz: frozenset[str] | None = None, app_class: type | None = None) -> int:
    """Run the app; with `screenshot`, headless: press the keys, wait for what they started (torch's checks,
    a network's training) and save an SVG. The wait is bounded by `timeout` seconds: past it nothing is
    written, a message goes to stderr and the status is 2. `network_checkers`: (trace, epoch) checkers for
    the network screen (tests). `ascii`: draw the circuit with + - | > (detected for a terminal that cannot
    draw box characters). `quiz`: start in quiz mode asking these phases (quiz.PHASES); None: off.
    `app_class`: a subclass of BackpropApp to run (serve mode's, which reports where the learner is)."""
    import gc

    # Start-up allocates much and frees little: no garbage collection until the first frame is drawn (the
    # app enables it then; a full collection in between costs ~12 ms), and what the imports made (modules,
    # classes: it lives as long as the process) is frozen, so that later collections do not walk it.
    gc.disable()
    try:
        import asyncio

        from backprop_tui.tui.app import BackpropApp
        from backprop_tui.tui.presets import SEED_CHAIN

        text, save_path, error = read_source(path)
        if path == "-" and screenshot is None:
            _stdin_from_terminal()
        network = None
        if path is not None and error is None:  # the readers are imported only when there is a file
            from backprop_tui.lang.load import is_network_spec
            from backprop_tui.lang.torch_model.detect import is_model_source

            if is_network_spec(path, text) or is_model_source(text):
                network, text, save_path = (path, text), SEED_CHAIN, None
        if not ascii and screenshot is None:
            from backprop_tui.circuit.glyphs import terminal_cannot_draw_boxes

            ascii = terminal_cannot_draw_boxes()
        app = (app_class or BackpropApp)(text, save_path, checker=checker, error=error, network=network, ascii=ascii,
                                         quiz=quiz)
        app.network_checkers = network_checkers
        app.scripted = screenshot is not None  # a scripted run never stops to ask
    except BaseException:
        gc.enable()
        raise
    gc.freeze()
    keys = [k.strip() for k in (press or []) if k.strip()]

    async def pilot_run(pilot) -> None:
        await pilot.pause()
        deadline = time.monotonic() + timeout
        while app.loading_model and time.monotonic() < deadline:  # a model file (or a large spec) being read:
            await asyncio.sleep(0.05)  # the keys are for the screen it opens, not for the chain screen under it
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        if screenshot is None:
            return
        deadline = time.monotonic() + timeout
        while not settled() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not settled():  # said on stderr once the app has let go of the terminal
            failure.append(f"backprop-tui: --screenshot {screenshot}: still {busy()} after {timeout:g} s; "
                           "nothing written (give --timeout more seconds, or train fewer epochs)")
            app.exit(return_code=2)
            return
        for note in [n for n in app._notifications if n.severity == "information"]:
            app._unnotify(note, refresh=False)  # passing notices would cover the panels on a slide; warnings stay
        app._refresh_notifications()
        await pilot.pause()
        svg.append(app.export_screenshot())
        app.exit(0)

    def waiting() -> list:
        """The screens on the stack with work under way (a network's training or checks)."""
        return [s for s in app.screen_stack if hasattr(s, "check_settled") and not s.check_settled()]

    def settled() -> bool:
        return app.check_settled() and not waiting()

    def busy() -> str:
        if any(getattr(s, "training", False) for s in waiting()):
            return "training"
        return "waiting for torch's checks"

    failure: list[str] = []
    svg: list[str] = []
    auto = pilot_run if (keys or screenshot) else None
    headless = screenshot is not None
    result = app.run(headless=headless, size=size if headless else None, auto_pilot=auto)
    gc.enable()  # in case the app ended before its first frame
    for line in failure:
        print(line, file=sys.stderr)
    if screenshot is not None and svg:
        write_screenshot(screenshot, svg[0])
    code = app.return_code
    return code if code is not None else (result or 0)


if __name__ == "__main__":
    raise SystemExit(launch(sys.argv[1] if len(sys.argv) > 1 else None))
