"""CSV exports on the fakes: asked for, written by the worker batch by batch (resumed without
a batch twice), served to the holder of the token, listed apart from async actions, deleted
with their file."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sendout.domain.async_actions import AsyncActionType, AsyncStatus
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.exports import ExportStatus, export_status, file_name
from sendout.services import export_jobs
from sendout.services import exports as service
from sendout.services.async_actions import get_action, list_actions
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.context import Context
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory, make_context, seeded_rng
from sendout.testing.exports import InMemoryExportFiles

SENDOUT = "sendout"


def arrange(uow: InMemoryUnitOfWorkFactory, project_id: str, count: int) -> None:
    rows = uow.data.export_rows.setdefault(SENDOUT, [])
    rows += [
        {
            "project_id": project_id,
            "id": f"whs_{n:03d}",
            "created_at": f"2026-01-01T00:00:{n:02d}",
            "status": "DELIVERED" if n % 2 else "FAILED",
            "url": f"=cmd|{n}",
        }
        for n in range(count)
    ]


@pytest.fixture
def batches_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker writes two rows a batch: a few rows make several batches."""
    monkeypatch.setattr(export_jobs, "EXPORT_BATCH", 2)


async def run_all(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock, files: InMemoryExportFiles
) -> None:
    runner = AsyncActionRunner(uow, clock, seeded_rng(3), files)
    while await runner.run_next():
        pass


@pytest.mark.usefixtures("batches_of_two")
async def test_an_export_is_written_batch_by_batch_and_served_with_its_token(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    arrange(uow, ctx.project_id, 5)
    arrange(uow, "proj_other", 3)
    files = InMemoryExportFiles()
    export = await service.create_export(uow, ctx, SENDOUT, {"fields": ["id", "url"]})
    assert export_status(export) is ExportStatus.SCHEDULED
    await run_all(uow, clock, files)
    done = await service.get_export(uow, ctx, export.id)
    assert (export_status(done), done.done) == (ExportStatus.DONE, 5)
    lines = files.files[file_name(done)].decode().splitlines()
    assert lines == ["id,url", *(f"whs_{n:03d},'=cmd|{n}" for n in range(5))]
    token = str(done.request["token"])
    path = await service.export_file(uow, files, ctx, export.id, token)
    assert path.endswith(file_name(done))
    with pytest.raises(NotFound):
        await service.export_file(uow, files, ctx, export.id, token[:-1] + "x")
    with pytest.raises(NotFound):  # another project's export is not there
        await service.get_export(uow, make_context("proj_other"), export.id)


async def test_filters_and_order_choose_the_rows(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    arrange(uow, ctx.project_id, 4)
    files = InMemoryExportFiles()
    params = {
        "fields": ["id"],
        "order": "-created_at",
        "filters": {"status": {"conditions": {"$is": "FAILED"}}},
    }
    export = await service.create_export(uow, ctx, SENDOUT, params)
    await run_all(uow, clock, files)
    assert files.files[file_name(export)].decode().split() == ["id", "whs_002", "whs_000"]


@pytest.mark.usefixtures("batches_of_two")
async def test_a_resumed_export_cuts_what_a_dead_worker_wrote_past_its_commit(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    arrange(uow, ctx.project_id, 3)
    files = InMemoryExportFiles()
    export = await service.create_export(uow, ctx, SENDOUT, {"fields": ["id"]})
    name = file_name(export)
    # A worker wrote the header and two rows, committed, then wrote a batch it never committed.
    files.files[name] = b"id\r\nwhs_000\r\nwhs_001\r\n"
    progress = {
        "bytes": len(files.files[name]),
        "rows": 2,
        "cursor": ["2026-01-01T00:00:01", "whs_001"],
    }
    files.files[name] += b"whs_002\r\n"
    stored = uow.data.async_actions[export.id]
    uow.data.async_actions[export.id] = replace(stored, done=2, result=progress)
    await run_all(uow, clock, files)
    assert files.files[name].decode().split() == ["id", "whs_000", "whs_001", "whs_002"]


async def test_an_export_past_the_bounds_ends_in_error_without_a_file(
    uow: InMemoryUnitOfWorkFactory,
    ctx: Context,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(export_jobs, "MAX_ROWS", 2)
    arrange(uow, ctx.project_id, 3)
    files = InMemoryExportFiles()
    export = await service.create_export(uow, ctx, SENDOUT, {})
    await run_all(uow, clock, files)
    failed = await service.get_export(uow, ctx, export.id)
    assert export_status(failed) is ExportStatus.ERROR
    assert files.files == {}
    with pytest.raises(InvalidPayload):  # not DONE: nothing to download
        await service.export_file(uow, files, ctx, export.id, str(failed.request["token"]))


async def test_exports_are_listed_apart_from_async_actions_and_deleted_with_their_file(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    arrange(uow, ctx.project_id, 1)
    files = InMemoryExportFiles()
    first = await service.create_export(uow, ctx, SENDOUT, {})
    clock.advance(timedelta(seconds=1))
    second = await service.create_export(uow, ctx, "order", {})
    await run_all(uow, clock, files)
    listed = await service.list_exports(uow, ctx, 10, 1, newest=True)
    assert [e.id for e in listed.items] == [second.id, first.id]
    assert listed.total == 2
    assert await list_actions(uow, ctx, 10, None) == []
    with pytest.raises(NotFound):
        await get_action(uow, ctx, first.id)
    assert all(a.type is AsyncActionType.EXPORT for a in uow.data.async_actions.values())
    await service.delete_export(uow, files, ctx, first.id)
    assert file_name(first) not in files.files
    with pytest.raises(NotFound):
        await service.get_export(uow, ctx, first.id)
    assert uow.data.async_actions[second.id].status is AsyncStatus.DONE


async def test_a_batch_written_after_its_export_was_deleted_is_removed(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    """A worker whose batch lost its lease drops the file only when the export is gone (the
    deletion removed the file before this batch came)."""
    files = InMemoryExportFiles()
    kept = await service.create_export(uow, ctx, SENDOUT, {})
    deleted = await service.create_export(uow, ctx, SENDOUT, {})
    for export in (kept, deleted):
        await files.write(file_name(export), 0, "id\r\n")
    del uow.data.async_actions[deleted.id]
    for export in (kept, deleted):
        await export_jobs.drop_deleted_export(uow, files, export)
    assert list(files.files) == [file_name(kept)]
