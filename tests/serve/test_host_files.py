"""The confinement rule of serve mode (host_files): what a learner may open and save on the host."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backprop_tui import host_files
from backprop_tui.errors import BadInput
from backprop_tui.host_files import Access, confine, data_path, from_setting, host_path, turned_off


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "class"
    (root / "week1").mkdir(parents=True)
    (root / "chain.bp").write_text("x = 1\ny = x*x\n")
    (root / "week1" / "net.toml").write_text("")
    (tmp_path / "secret.bp").write_text("x = 42\n")
    return Path(os.path.realpath(root))


def refusal(typed: str, folder: Path, purpose: str = "open") -> str:
    with pytest.raises(BadInput) as err:
        confine(typed, Access(folder), purpose)
    return str(err.value)


def test_names_inside_the_folder_resolve_inside_it(folder):
    assert confine("chain.bp", Access(folder)) == folder / "chain.bp"
    assert confine("week1/net.toml", Access(folder)) == folder / "week1" / "net.toml"
    assert confine("./week1//net.toml", Access(folder)) == folder / "week1" / "net.toml"
    assert confine("new-file.bp", Access(folder), "save") == folder / "new-file.bp"  # need not exist yet


@pytest.mark.parametrize("typed", ["/etc/passwd", "/tmp/x.bp", "//etc/passwd"])
def test_absolute_paths_are_refused(folder, typed):
    message = refusal(typed, folder)
    assert message == f"{typed}: absolute paths are refused here; name a file inside the class folder, such as chain.bp"


def test_the_folders_own_absolute_path_is_refused_too(folder):
    """No exception for absolute names that happen to lie inside: learners never need the host's layout."""
    assert "absolute paths are refused" in refusal(str(folder / "chain.bp"), folder)


@pytest.mark.parametrize("typed", ["../secret.bp", "week1/../../secret.bp", "..", "week1/..", "..\\secret.bp"])
def test_dot_dot_is_refused(folder, typed):
    assert refusal(typed, folder) == f"{typed}: '..' is refused here: files stay inside the class folder"


def test_a_symlink_leading_out_of_the_folder_is_refused(folder):
    (folder / "innocent.bp").symlink_to(folder.parent / "secret.bp")
    (folder / "door").symlink_to("/etc")
    assert refusal("innocent.bp", folder) == ("innocent.bp: refused: it leads outside the class folder (through a "
                                              "symbolic link)")
    assert "leads outside the class folder" in refusal("door/passwd", folder)
    assert "leads outside the class folder" in refusal("innocent.bp", folder, "save")  # no writing through it


def test_a_symlink_that_stays_inside_is_fine(folder):
    (folder / "alias.bp").symlink_to("chain.bp")
    assert confine("alias.bp", Access(folder)) == folder / "chain.bp"


@pytest.mark.parametrize(("typed", "says"), [
    ("~/secret.bp", "'~' (a home folder) is refused"),
    ("-", "standard input is not available here"),
    ("", "give a file name inside the class folder"),
    ("a\x00b", "cannot contain a NUL character"),
])
def test_other_ways_out_are_refused(folder, typed, says):
    assert says in refusal(typed, folder)


def test_with_no_folder_every_name_is_refused_saying_files_are_off():
    off = Access(None)
    with pytest.raises(BadInput, match=r"^/etc/passwd: opening files is turned off here \(the classroom is served "
                                       r"without a files folder\); t opens the examples$"):
        confine("/etc/passwd", off)
    with pytest.raises(BadInput, match=r"^chain\.bp: saving files is turned off here"):
        confine("chain.bp", off, "save")


def test_host_path_follows_the_environment(folder, monkeypatch):
    monkeypatch.delenv(host_files.ENV, raising=False)
    assert host_path("/etc/passwd") == "/etc/passwd"  # the user's own app: every path as typed
    assert turned_off("open") is None
    monkeypatch.setenv(host_files.ENV, Access(folder).setting)
    assert host_path("chain.bp") == str(folder / "chain.bp")
    with pytest.raises(BadInput, match="absolute paths are refused"):
        host_path("/etc/passwd")
    assert turned_off("open") is None  # a folder: the dialog opens
    monkeypatch.setenv(host_files.ENV, "off")
    assert turned_off("save").startswith("saving files is turned off here")
    with pytest.raises(BadInput, match="opening files is turned off"):
        host_path("chain.bp")


@pytest.mark.parametrize("value", ["", "on", "dir:relative/path", "dir:/no/such/folder", "/etc"])
def test_a_setting_that_cannot_be_read_fails_closed(value):
    assert from_setting(value) == Access(None)


def test_a_setting_round_trips(folder):
    assert from_setting(Access(folder).setting) == Access(folder)
    assert from_setting("off").setting == "off"


def test_a_specs_csv_must_lie_in_the_folder(folder, monkeypatch):
    """A learner can save any text as a spec in the folder: its `csv =` must not read the host's files."""
    from backprop_tui.network.spec import parse_spec

    monkeypatch.setenv(host_files.ENV, Access(folder).setting)
    (folder / "points.csv").write_text("0,0,0\n1,1,1\n")
    assert data_path(Path(folder / "points.csv")) == folder / "points.csv"
    spec = '[network]\nsizes = [2, 2, 1]\nactivation = "sigmoid"\nlr = 0.5\n[data]\ncsv = "{}"\n'
    assert parse_spec(spec.format("points.csv"), folder).x.shape == (2, 2)
    for bad in ("/etc/passwd", "../secret.bp"):
        with pytest.raises(BadInput, match="refused: it leads outside the class folder"):
            parse_spec(spec.format(bad), folder)
    monkeypatch.setenv(host_files.ENV, "off")  # no folder: the only spec is the one the teacher served
    assert data_path(Path("/any/where.csv")) == Path("/any/where.csv")
