"""The one referee: a child process on stdio, or one shared process on a Unix socket or a loopback port
that many clients (the classroom's app processes) use at once; request kinds; failures named."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest

from backprop_tui.check.client import Referee, start_listening
from backprop_tui.check.figures import figures_from_json
from backprop_tui.check.protocol import ENV, RefereeError, parse_address
from backprop_tui.lang import parse_program
from backprop_tui.lang.wire import encode

pytestmark = pytest.mark.real_referee
SEED = "x = 1\nw1 = 2\nb1 = 1\nw2 = 2\nb2 = 1\ny1 = x*w1 + b1\ny2 = y1*w2 + b2\n"


def chain_request(referee: Referee, text: str = SEED):
    return referee.submit("chain", program=encode(parse_program(text)))


def test_a_child_referee_answers_every_kind_and_names_failures():
    referee = Referee()
    try:
        pending = chain_request(referee)  # sent before torch has loaded over there
        fig = figures_from_json(pending.result(120)["figures"])
        assert fig.grads["x"] == 4 and fig.values["y2"] == 7
        assert referee.version and referee.hello()["protocol"] == 1
        assert {"chain", "snippet", "network.spec", "network.trace", "network.epoch", "ping"} <= \
            set(referee.hello()["kinds"])
        with pytest.raises(RefereeError, match="unknown request kind"):
            referee.request("nope")
        with pytest.raises(RefereeError, match="KeyError"):
            referee.request("network.trace", token="never-sent", params={})
        assert referee.request("ping")["pid"] == referee.pid != os.getpid()  # still serving after failures
    finally:
        referee.close()


def test_requests_from_many_threads_are_pipelined_on_one_connection():
    referee = Referee()
    try:
        programs = [f"x = {k}\ny = x*x\n" for k in range(1, 9)]
        results: dict[int, float] = {}

        def ask(k: int) -> None:
            results[k] = figures_from_json(chain_request(referee, programs[k]).result(120)["figures"]).grads["x"]

        threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(programs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == {k: 2.0 * (k + 1) for k in range(len(programs))}
    finally:
        referee.close()


def start_shared(address: str) -> tuple[subprocess.Popen, dict]:
    proc, where = start_listening(address)
    return proc, {"listening": where}


@pytest.mark.parametrize("scheme", ["unix", "tcp"])
def test_one_shared_referee_serves_many_clients(tmp_path: Path, scheme: str, monkeypatch):
    address = f"unix:{tmp_path / 'referee.sock'}" if scheme == "unix" else "tcp:127.0.0.1:0"
    proc, hello = start_shared(address)
    try:
        where = hello["listening"]
        if scheme == "unix":
            assert oct(os.stat(tmp_path / "referee.sock").st_mode & 0o777) == "0o600"
        clients = [Referee(where) for _ in range(4)]
        pids = {c.request("ping", 60)["pid"] for c in clients}
        assert pids == {proc.pid}  # one torch for all of them
        pending = [chain_request(c, f"x = {k}\ny = x*x*x\n") for k, c in enumerate(clients, 1)]
        grads = [figures_from_json(p.result(60)["figures"]).grads["x"] for p in pending]
        assert grads == [3.0 * k * k for k in range(1, 5)]
        # the environment variable is how an app process finds it
        monkeypatch.setenv(ENV, where)
        assert Referee().request("ping", 60)["pid"] == proc.pid
        for c in clients:
            c.close()
        assert proc.poll() is None  # clients leaving does not stop a shared referee
    finally:
        proc.terminate()
        proc.wait(30)
    if scheme == "unix":
        assert not (tmp_path / "referee.sock").exists()


def test_a_missing_shared_referee_is_named(tmp_path: Path):
    address = f"unix:{tmp_path / 'nobody.sock'}"
    with pytest.raises(RefereeError, match=f"no torch referee at {address}"):
        Referee(address).request("ping")


@pytest.mark.parametrize("text", ["tcp:10.0.0.1:80", "ftp:x", "unix:", "tcp:127.0.0.1:x", "nothing"])
def test_addresses_are_checked(text: str):
    with pytest.raises(ValueError):
        parse_address(text)
