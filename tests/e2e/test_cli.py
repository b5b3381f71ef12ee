"""The `sendout` command as a new user runs it: a fresh directory, the defaults."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.cli_runs import run_sendout, sendout
from tests.e2e.conftest import Server, free_port, request

KEY_LINES = re.compile(r"X-App-Id:\s+(\S+)\s+X-App-Token:\s+(\S+)")


def serve_until_ready(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], Server]:
    port = free_port()
    log = cwd / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sendout", "serve", *args],
            cwd=cwd,
            env={**os.environ, "SENDOUT_PORT": str(port), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    server = Server("127.0.0.1", port, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(server, "GET", "/readyz")[0] == 200:
                return process, server
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(log.read_text())


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=15)


def test_first_start_creates_the_default_project_and_prints_working_keys(
    tmp_path: Path,
) -> None:
    process, server = serve_until_ready(tmp_path)
    try:
        found = KEY_LINES.search(server.log.read_text())
        assert found, server.log.read_text()
        app_id, token = found.groups()
        status, _, _ = request(
            server, "GET", "/v1/customers", headers={"X-App-Id": app_id, "X-App-Token": token}
        )
        assert status == 200
        assert "worker started" in server.log.read_text()
    finally:
        stop(process)
    assert (tmp_path / "sendout.db").exists()

    # A second start on the same database creates nothing and prints no keys.
    process, server = serve_until_ready(tmp_path, "--no-worker")
    try:
        assert not KEY_LINES.search(server.log.read_text())
        assert "worker started" not in server.log.read_text()
    finally:
        stop(process)


def test_fixed_development_keys_from_the_environment(tmp_path: Path) -> None:
    env = {"SENDOUT_APP_ID": "dev-app", "SENDOUT_APP_TOKEN": "dev-token"}
    process, server = serve_until_ready(tmp_path, env=env)
    try:
        status, _, _ = request(
            server,
            "GET",
            "/v1/customers",
            headers={"X-App-Id": "dev-app", "X-App-Token": "dev-token"},
        )
        assert status == 200
    finally:
        stop(process)


def test_migrate_project_create_and_version(tmp_path: Path) -> None:
    assert "up to date" in sendout("migrate", cwd=tmp_path)
    created = sendout("project", "create", "Shop", cwd=tmp_path)
    assert "Project 'Shop'" in created
    assert KEY_LINES.search(created)
    assert re.fullmatch(r"sendout \d+\.\d+\.\d+\n", sendout("version", cwd=tmp_path))


def refused_to_start(cwd: Path, *args: str, env: dict[str, str]) -> str:
    """What ``sendout *args`` printed on stderr when it refused to start (exit status 2)."""
    result = run_sendout(*args, cwd=cwd, env=env)
    assert result.returncode == 2, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SENDOUT_PORT", "eighty"),
        ("SENDOUT_PORT", "99999"),
        ("SENDOUT_PORT", "0"),
        ("SENDOUT_DATABASE_URL", "mysql://x"),
    ],
)
def test_an_unusable_setting_stops_with_a_message(
    tmp_path: Path, variable: str, value: str
) -> None:
    assert variable in refused_to_start(tmp_path, "migrate", env={variable: value})


def test_serve_refuses_an_admin_password_under_16_characters(tmp_path: Path) -> None:
    short = "fifteen-chars-!"
    stderr = refused_to_start(
        tmp_path, "serve", "--port", str(free_port()), env={"SENDOUT_ADMIN_PASSWORD": short}
    )
    assert "SENDOUT_ADMIN_PASSWORD must be at least 16 characters" in stderr
    assert short not in stderr
    assert not (tmp_path / "sendout.db").exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:hunter2-secret@127.0.0.1:1/sendout",  # nothing listens there
        "postgresql://postgres@127.0.0.1:5432/sendout_no_such_database",
        "sqlite:///no/such/directory/sendout.db",
    ],
)
def test_an_unusable_database_stops_with_one_line(tmp_path: Path, url: str) -> None:
    result = run_sendout("migrate", cwd=tmp_path, env={"SENDOUT_DATABASE_URL": url})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no traceback
    assert lines[0].startswith("sendout: SENDOUT_DATABASE_URL: cannot use the database (")
    assert "hunter2" not in result.stderr  # the URL's password is never printed
