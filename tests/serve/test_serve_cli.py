"""`backprop-tui serve`'s arguments: refused with a message and status 2 before anything starts."""

from __future__ import annotations

import os
import socket

import pytest

from backprop_tui.cli import main
from backprop_tui.host_files import Access
from backprop_tui.serve.cli import banner, check_host, is_loopback


def refused(capsys, *args: str) -> str:
    assert main(["serve", *args]) == 2
    return capsys.readouterr().err.strip()


def test_another_interface_needs_public(capsys):
    assert refused(capsys, "--host", "0.0.0.0") == (
        "backprop-tui: --host 0.0.0.0: that serves the app to other computers (anyone who can reach this one opens "
        "it, and uses its torch); say so with --public, or keep the default 127.0.0.1")
    assert "--public" in refused(capsys, "--host", "192.168.1.20")
    check_host("0.0.0.0", public=True)  # said explicitly: allowed
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert is_loopback(host)
        check_host(host, public=False)
    for host in ("0.0.0.0", "::", "10.0.0.1", "example.org"):
        assert not is_loopback(host)


def test_a_missing_folder_a_bad_file_and_stdin_are_refused(capsys, tmp_path):
    missing = tmp_path / "nope"
    assert refused(capsys, "--files", str(missing)) == f"backprop-tui: --files {missing}: no such folder"
    (tmp_path / "f.bp").write_text("x = 1\n")
    assert refused(capsys, "--files", str(tmp_path / "f.bp")).endswith("not a folder")
    assert "no such file" in refused(capsys, str(tmp_path / "missing.bp"))
    assert "standard input can be read only once" in refused(capsys, "-")


def test_a_port_in_use_is_said_before_torch_starts(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert refused(capsys, "--port", str(port)) == (
            f"backprop-tui: cannot listen on 127.0.0.1 port {port}: it is in use (another server?); pick another "
            "with --port")


@pytest.mark.parametrize(("args", "says"), [
    (["--max-sessions", "0"], "must be at least 1, got 0"),
    (["--max-sessions", "5000"], "at most 1,000 (each seat is an app process), got 5,000"),
    (["--max-sessions", "many"], "expected a whole number"),
    (["--port", "70000"], "a port is 0–65535"),
    (["--files", "x", "--no-files"], "not allowed with argument"),
])
def test_bad_numbers_and_clashing_options_are_usage_errors(capsys, args, says):
    with pytest.raises(SystemExit) as done:
        main(["serve", *args])
    assert done.value.code == 2
    assert says in capsys.readouterr().err


def test_the_banner_tells_the_teacher_what_learners_open_and_how_to_stop(tmp_path):
    lines = banner("127.0.0.1", 8000, 30, Access(None), 4242, None)
    assert lines[0] == ("backprop-tui classroom: learners open http://127.0.0.1:8000/ in a browser (each tab runs its "
                        "own app)")
    assert "  seats: 30 at once (the next tab gets a 'full' page; a closed tab frees its seat)" in lines
    assert "  files: open and save are off (--files DIR allows one folder)" in lines
    assert "  torch: one referee for every tab (pid 4242)" in lines
    assert lines[-1] == "  stop: Ctrl+C (every learner's app stops with the server)"
    public = banner("0.0.0.0", 8000, 30, Access(tmp_path), 1, "/x/chain.bp")
    assert public[0] == f"backprop-tui classroom: learners open http://{socket.gethostname()}:8000/ in a browser " \
                        "(each tab runs its own app)"
    assert "every interface" in public[1]
    assert f"  files: open and save only inside {tmp_path} (one folder, shared by every tab)" in public


def test_the_serve_package_never_imports_torch():
    """torch lives in the referee; the server and each tab's app stay small (the memory figures rely on it)."""
    from tests.test_boundaries import loaded_after

    assert loaded_after("import backprop_tui.serve.cli, backprop_tui.serve.classroom, backprop_tui.serve.referee, "
                        "backprop_tui.serve.session, backprop_tui.host_files") == "['textual']"
    assert loaded_after("import backprop_tui.cli; backprop_tui.cli.build_parser()") == "[]"  # serve's parser: light


def test_a_served_specs_data_outside_the_files_folder_is_said_at_start(capsys, tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "d.csv").write_text("1,2,1\n0,1,0\n")
    spec = tmp_path / "net.toml"
    spec.write_text('[network]\nsizes = [2, 2, 1]\nactivation = "sigmoid"\nlr = 0.5\n[data]\ncsv = "d.csv"\n')
    assert refused(capsys, str(spec), "--files", str(tmp_path / "class")) == (
        f"backprop-tui: {spec}: [data] csv {tmp_path / 'd.csv'}: refused: it leads outside the class folder; with "
        f"--files, the data a served spec reads must lie inside {tmp_path / 'class'}")
    assert "BACKPROP_TUI_FILES" not in os.environ  # the rule was this check's alone
