"""The ``sendout`` command run in a subprocess, as a user runs it, for the end-to-end tests
of the command line and of what it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_sendout(
    *args: str, cwd: Path, env: dict[str, str] | None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sendout", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def sendout(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = run_sendout(*args, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout
