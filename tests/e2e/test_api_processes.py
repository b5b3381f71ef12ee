"""``sendout serve --workers N``: real processes on one port, on both backends.

Which process answers a connection is the kernel's choice; a process that is stopped
(SIGSTOP) cannot answer, so a request answered while one of the two is stopped was answered
by the other.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from sendout.domain.projects import IssuedKey
from tests.e2e.conftest import Server, free_port, request

STARTUP_TIMEOUT = 30.0  # seconds


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: object, what: str, within: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def serve(database_url: str, workdir: Path, *args: str) -> tuple[subprocess.Popen[bytes], Server]:
    port = free_port()
    log = workdir / f"serve-{port}.log"
    env = {
        **os.environ,
        "SENDOUT_DATABASE_URL": database_url,
        "SENDOUT_PORT": str(port),
        "SENDOUT_LOG_FORMAT": "text",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sendout", "serve", *args],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server("127.0.0.1", port, log)

    def ready() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return request(server, "GET", "/healthz")[0] == 200
        except OSError:
            return False

    wait_for(ready, f"serve did not start:\n{log.read_text()}")
    return process, server


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every serve a test starts, stopped (by PID) whatever the test's outcome."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        for child in children_of(process.pid):
            os.kill(child, signal.SIGCONT)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
            process.kill()
            process.wait()


def track(server: Server, keys: IssuedKey, source_id: str) -> int:
    body = orjson.dumps({"event": "api_processes", "customer": {"source_id": source_id}})
    headers = {
        "X-App-Id": keys.app_id,
        "X-App-Token": keys.app_token,
        "Content-Type": "application/json",
    }
    return request(server, "POST", "/v1/events", body, headers)[0]


def the_child(parent: subprocess.Popen[bytes]) -> int:
    found: list[int] = []

    def one_child() -> bool:
        found[:] = children_of(parent.pid)
        return len(found) == 1

    wait_for(one_child, f"serve --workers 2 has not one child: {found}")
    return found[0]


def answered_while_stopped(stopped: int, server: Server, keys: IssuedKey, name: str) -> None:
    """Events posted while ``stopped`` is stopped: the other process answers them."""
    os.kill(stopped, signal.SIGSTOP)
    try:
        for n in range(3):  # each on a new connection
            assert track(server, keys, f"{name}-{n}") == 200
    finally:
        os.kill(stopped, signal.SIGCONT)


def test_two_api_processes_answer_a_dead_one_is_replaced_and_stopping_stops_both(
    database_url: str,
    project: IssuedKey,
    tmp_path: Path,
    started: list[subprocess.Popen[bytes]],
) -> None:
    parent, server = serve(database_url, tmp_path, "--workers", "2")
    started.append(parent)
    child = the_child(parent)

    answered_while_stopped(parent.pid, server, project, "child-answered")
    answered_while_stopped(child, server, project, "parent-answered")
    # The worker runs in one process only: the parent.
    assert server.log.read_text().count("worker started with jobs: deliver") == 1

    os.kill(child, signal.SIGKILL)
    wait_for(lambda: children_of(parent.pid) not in ([], [child]), "the child was not replaced")
    replacement = the_child(parent)
    assert replacement != child
    assert "exited with -9; starting another in 1 s" in server.log.read_text()
    answered_while_stopped(parent.pid, server, project, "replacement-answered")

    parent.send_signal(signal.SIGTERM)
    parent.wait(timeout=30)
    assert not alive(replacement)  # stopped by serve before it exited, not orphaned
    assert "is gone: stopping" not in server.log.read_text()


def test_api_processes_stop_when_serve_is_killed(
    database_url: str,
    project: IssuedKey,
    tmp_path: Path,
    started: list[subprocess.Popen[bytes]],
) -> None:
    parent, server = serve(database_url, tmp_path, "--workers", "3", "--no-worker")
    started.append(parent)
    wait_for(lambda: len(children_of(parent.pid)) == 2, "serve --workers 3 has not 2 children")
    children = children_of(parent.pid)
    assert track(server, project, "before-the-kill") == 200

    parent.kill()
    parent.wait()
    wait_for(lambda: not any(alive(pid) for pid in children), "children outlived serve", 15)
    assert server.log.read_text().count("is gone: stopping") == 2


@pytest.mark.parametrize("workers", ["0", "65", "two"])
def test_a_number_of_processes_out_of_range_is_refused(workers: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sendout", "serve", "--workers", workers],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert f"{workers!r} is not a number of processes (1-64)" in done.stderr
