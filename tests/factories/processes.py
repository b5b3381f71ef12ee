"""Waiting on things outside the test's control: a condition, a process's children, a
backlog in another database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from sendout.adapters.db.migrate import upgrade_async
from sendout.bootstrap import bootstrap
from sendout.config import Settings
from tests.factories.projects import record_joined, webhook_project


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


async def record_backlog(url: str, events: int) -> None:
    await upgrade_async(url)
    container = bootstrap(Settings(database_url=url))
    try:
        ctx, _ = await webhook_project(container)
        await record_joined(container, ctx, events)
    finally:
        await container.close()
