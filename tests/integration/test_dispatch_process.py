"""Dispatch in a child process of the worker on SQLite: started once a backlog builds up,
started again when it dies, stopped with the worker, and gone when the worker is killed."""

from __future__ import annotations

import asyncio
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from sendout.adapters.db.migrate import upgrade_async
from sendout.config import Settings
from sendout.entrypoints import dispatch_process
from sendout.entrypoints.dispatch_process import (
    DispatchProcess,
    child_command,
    child_environment,
)
from sendout.entrypoints.dispatch_share import LONG_QUEUE
from tests.factories.processes import children, record_backlog, until


def wait_until(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


async def test_a_worker_stopped_before_wanting_the_child_never_starts_it() -> None:
    lane = DispatchProcess([sys.executable, "-c", "raise SystemExit(3)"], os.environ)
    running = asyncio.create_task(lane.run())
    await asyncio.sleep(0.05)
    lane.stop()
    await asyncio.wait_for(running, 5)
    assert lane.starts == 0


async def test_a_child_that_dies_is_started_again_ever_later_and_stops_with_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatch_process, "RESTART_DELAY", 0.05)
    monkeypatch.setattr(dispatch_process, "RESTART_DELAY_MOST", 0.2)
    lane = DispatchProcess([sys.executable, "-c", "raise SystemExit(3)"], os.environ)
    running = asyncio.create_task(lane.run())
    await asyncio.sleep(0.2)
    assert lane.starts == 0  # not before it is wanted
    lane.want()
    began = time.monotonic()
    await until(lambda: lane.starts >= 5)
    # Dying before it was ever ready, it waits 0.05, 0.1, 0.2, 0.2 s between starts.
    assert time.monotonic() - began >= 0.55
    lane.stop()
    await asyncio.wait_for(running, 5)


async def test_stopping_the_worker_stops_a_busy_child() -> None:
    lane = DispatchProcess(
        [sys.executable, "-c", "print('ready', flush=True); import time; time.sleep(60)"],
        os.environ,
    )
    lane.want()
    running = asyncio.create_task(lane.run())
    await until(lambda: lane.ready)
    pid = lane.pid
    began = time.monotonic()
    lane.stop()
    await asyncio.wait_for(running, 5)
    assert time.monotonic() - began < 5
    assert lane.starts == 1
    assert lane.pid is None
    assert not lane.ready
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # type: ignore[arg-type]


def test_the_child_shares_the_workers_database_and_log_level() -> None:
    settings = Settings(database_url="sqlite:////tmp/x.db", log_level="DEBUG")
    env = child_environment(settings, {"SENDOUT_DATABASE_URL": "sqlite:////tmp/y.db", "K": "v"})
    assert env["SENDOUT_DATABASE_URL"] == "sqlite:////tmp/x.db"
    assert env["SENDOUT_LOG_LEVEL"] == "DEBUG"
    assert env["K"] == "v"
    assert child_command()[-2:] == ["-m", "sendout.entrypoints.dispatch_process"]


def test_the_child_opens_secrets_with_the_workers_keys() -> None:
    keys = (Fernet.generate_key().decode(), Fernet.generate_key().decode())
    env = child_environment(Settings(encryption_keys=keys), {})
    assert Settings.from_env(env).encryption_keys == keys
    assert "SENDOUT_ENCRYPTION_KEY" not in child_environment(Settings(), {})


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads children from /proc")
def test_the_worker_on_sqlite_dispatches_a_backlog_in_a_child_that_goes_when_it_is_killed(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    asyncio.run(record_backlog(url, LONG_QUEUE * 3))
    log = tmp_path / "worker.log"
    env = {**os.environ, "SENDOUT_DATABASE_URL": url, "SENDOUT_LOG_LEVEL": "INFO"}
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "sendout", "worker"], env=env, stdout=out, stderr=out
        )
    try:
        wait_until(lambda: "dispatch process" in log.read_text(errors="replace"), 30)
        found = re.search(r"dispatch process (\d+) started", log.read_text(errors="replace"))
        assert found is not None
        child = int(found[1])
        assert child in children(worker.pid)
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        assert b"sendout.entrypoints.dispatch_process" in cmdline
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        # Its stdin, a pipe from the killed worker, has ended: it stops by itself.
        wait_until(lambda: not alive(child), 15)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_the_dispatch_child_alone_stops_when_its_stdin_ends(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'alone.db'}"
    asyncio.run(upgrade_async(url))
    log = tmp_path / "child.log"
    env = {**os.environ, "SENDOUT_DATABASE_URL": url, "SENDOUT_LOG_LEVEL": "INFO"}
    with log.open("wb") as out:
        child = subprocess.Popen(
            child_command(), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=out
        )
    try:
        assert child.stdout is not None
        readable, _, _ = select.select([child.stdout], [], [], 30)
        assert readable, "the child never said it was ready"
        assert child.stdout.readline() == b"ready\n"
        assert child.poll() is None
        assert child.stdin is not None
        child.stdin.close()
        assert child.wait(timeout=15) == 0
        assert "gone: stopping" in log.read_text(errors="replace")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_the_dispatch_child_whose_worker_died_before_it_was_ready_exits_quietly(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'orphan.db'}"
    asyncio.run(upgrade_async(url))
    log = tmp_path / "child.log"
    env = {**os.environ, "SENDOUT_DATABASE_URL": url, "SENDOUT_LOG_LEVEL": "INFO"}
    with log.open("wb") as out:
        child = subprocess.Popen(
            child_command(), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=out
        )
    try:
        # The worker is gone before the child says "ready": both ends of its pipes closed.
        assert child.stdin is not None
        assert child.stdout is not None
        child.stdout.close()
        child.stdin.close()
        assert child.wait(timeout=30) == 0
        said = log.read_text(errors="replace")
        assert "Traceback" not in said, said
        assert "BrokenPipeError" not in said, said
        assert "gone before this dispatch process was ready: stopping" in said
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
