"""launch(): the entry the CLI calls, headless with --press and --screenshot."""

from __future__ import annotations

from pathlib import Path

from backprop_tui.tui.launch import launch, read_source
from backprop_tui.tui.presets import SEED_CHAIN
from tests.tui.conftest import echo_checker


def test_screenshot_after_keys(tmp_path):
    out = tmp_path / "shot.svg"
    code = launch(None, ["n", "n", "right", "ctrl+r"], str(out), (100, 30), checker=echo_checker)
    assert code == 0
    svg = out.read_text()
    assert svg.startswith("<svg") and "step&#160;3&#160;of&#160;20" in svg
    assert "torch&#160;agrees" in svg


def test_file_opens(tmp_path):
    prog = tmp_path / "p.bp"
    prog.write_text("a = 2\nb = a*a\n")
    out = tmp_path / "shot.svg"
    assert launch(str(prog), ["end"], str(out), (80, 24), checker=echo_checker) == 0
    assert "grad(a)" in out.read_text().replace("&#160;", " ")


def test_bad_file_still_opens_with_the_error(tmp_path):
    prog = tmp_path / "bad.bp"
    prog.write_text("y = x +\n")
    out = tmp_path / "shot.svg"
    assert launch(str(prog), [], str(out), checker=echo_checker) == 0
    text = out.read_text().replace("&#160;", " ")
    assert "line 1, column 8" in text


def test_read_source_variants(tmp_path, monkeypatch):
    assert read_source(None) == (SEED_CHAIN, None, None)
    text, path, error = read_source(str(tmp_path / "missing.bp"))
    assert text == SEED_CHAIN and path is None and "cannot open" in error
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8" in read_source(str(binary))[2]

    class Stdin:
        buffer = __import__("io").BytesIO(b"q = 1\n")

    monkeypatch.setattr("sys.stdin", Stdin)
    assert read_source("-") == ("q = 1\n", None, None)


def test_a_network_screenshot_waits_for_the_training_the_keys_started(tmp_path):
    from tests.network.helpers import echo_epoch, echo_trace

    out = tmp_path / "trained.svg"
    code = launch("examples/xor.toml", ["t"], str(out), (120, 40), timeout=60,
                  network_checkers=(echo_trace, echo_epoch))
    assert code == 0
    text = out.read_text().replace("&#160;", " ")
    assert "trained 500 epochs" in text and "torch ✓ 11 epochs" in text and "checking" not in text


def test_a_screenshot_that_cannot_settle_in_time_exits_2_and_writes_nothing(tmp_path, capsys):
    from tests.network.helpers import echo_epoch, echo_trace

    spec = tmp_path / "long.toml"
    spec.write_text(Path("examples/xor.toml").read_text().replace("epochs = 500", "epochs = 10000000"))
    out = tmp_path / "never.svg"
    code = launch(str(spec), ["t"], str(out), (100, 30), timeout=0.5, network_checkers=(echo_trace, echo_epoch))
    assert code == 2 and not out.exists()
    assert "still training after 0.5 s" in capsys.readouterr().err


def test_keys_wait_for_a_model_file_to_open_its_network_screen(tmp_path, monkeypatch):
    """`--press t` on a model file: the model loads in a worker (torch replays its draws, a second or two
    when the referee starts with the app); the keys wait for the network screen it opens, so `t` trains
    there instead of opening the chain screen's presets."""
    import time

    from backprop_tui.network import model_cli
    from tests.network.helpers import echo_epoch, echo_trace
    from tests.network.test_model_overflow import DIVERGING

    real_load = model_cli.load

    def slow_load(*args, **kwargs):  # the referee's torch import, as a fresh process pays it
        time.sleep(1.0)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(model_cli, "load", slow_load)
    model = tmp_path / "line.py"
    model.write_text(DIVERGING.replace("lr=10", "lr=0.05"), encoding="utf-8")
    out = tmp_path / "trained.svg"
    code = launch(str(model), ["t"], str(out), (160, 40), timeout=60, network_checkers=(echo_trace, echo_epoch))
    assert code == 0
    text = out.read_text().replace("&#160;", " ")
    assert "network 1-1" in text and "trained 300 epochs" in text  # the file's num_epochs = 300, as `train`
    assert "Open an example program" not in text
