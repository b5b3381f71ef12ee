"""The SQL of CSV exports on both backends: batches keyset-paged past the last row written,
in both directions, through ties of the order's column, over timestamps and dates."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from sendout.adapters.export_files import LocalExportFiles
from sendout.bootstrap import Container
from sendout.domain.exports import file_name
from sendout.domain.points import PointsBucket
from sendout.domain.projects import IssuedKey
from sendout.services import export_jobs
from sendout.services import exports as service
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.context import Context, internal_context

START = datetime(2026, 3, 1, tzinfo=UTC)


async def export_rows(
    container: Container, ctx: Context, tmp_path: Path, kind: str, parameters: dict[str, object]
) -> list[list[str]]:
    files = LocalExportFiles(str(tmp_path))
    export = await service.create_export(container.uow_factory, ctx, kind, parameters)
    runner = AsyncActionRunner(container.uow_factory, container.clock, container.rng, files)
    while await runner.run_next():
        pass
    done = await service.get_export(container.uow_factory, ctx, export.id)
    assert done.status.value == "DONE", done.result
    text = (tmp_path / "exports" / file_name(done)).read_text()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def container(isolated_container: Container) -> Container:
    """A database of its own: on the shared one, a test server's worker may be claiming this
    export when the runner looks (PostgreSQL's ``SKIP LOCKED`` then hands the runner nothing,
    and the export is still waiting when it is read)."""
    return isolated_container


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_jobs, "EXPORT_BATCH", 2)


@pytest.mark.usefixtures("small_batches")
async def test_codes_page_by_creation_then_id_both_ways(
    container: Container, project: IssuedKey, tmp_path: Path
) -> None:
    ctx = internal_context(project.project.id, "test", container.clock, container.rng)
    # Three moments, two codes sharing each: batches of two end inside a tie.
    async with container.uow_factory() as uow:
        for n in range(6):
            moment = START + timedelta(minutes=n // 2)
            pair = (f"v_export{n}", f"EXP-{n}")
            await uow.vouchers.add_codes(ctx.project_id, "camp_export", [pair], moment)
        await uow.commit()
    oldest = await export_rows(container, ctx, tmp_path, "voucher", {"fields": ["code"]})
    assert oldest == [["code"], *([f"EXP-{n}"] for n in range(6))]
    newest = await export_rows(
        container,
        ctx,
        tmp_path,
        "voucher",
        {"fields": ["code", "created_at"], "order": "-created_at"},
    )
    assert [row[0] for row in newest[1:]] == [f"EXP-{n}" for n in reversed(range(6))]
    assert newest[1][1] == "2026-03-01T00:02:00.000Z"


@pytest.mark.usefixtures("small_batches")
async def test_point_expirations_page_by_their_date(
    container: Container, project: IssuedKey, tmp_path: Path
) -> None:
    ctx = internal_context(project.project.id, "test", container.clock, container.rng)
    async with container.uow_factory() as uow:
        for n in range(5):
            await uow.points.add_bucket(
                PointsBucket(
                    id=f"lopb_export{n}",
                    project_id=ctx.project_id,
                    voucher_id="v_card",
                    campaign_id="camp_club",
                    total_points=10 * n,
                    points_left=10 * n,
                    expires_at=date(2026, 5, 5 - n),
                    created_at=START,
                )
            )
        await uow.commit()
    rows = await export_rows(
        container,
        ctx,
        tmp_path,
        "points_expiration",
        {
            "fields": ["id", "expires_at"],
            "filters": {"campaign_id": {"conditions": {"$is": "camp_club"}}},
        },
    )
    assert rows[1:] == [[f"lopb_export{n}", f"2026-05-0{5 - n}"] for n in reversed(range(5))]
