"""A person's "try now": the reset is written for every worker to read; a later one wins,
and old ones are forgotten."""

from __future__ import annotations

from datetime import timedelta

from sendout.services.pipeline.endpoint_resets import RESET_KEPT, try_now
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory

URL, OTHER = "https://hooks.example.com/a", "https://hooks.example.com/b"


async def test_the_latest_reset_of_each_endpoint_is_kept(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    early = clock.now()
    late = early + timedelta(minutes=1)
    async with uow() as work:
        await try_now(work, [URL], late)
        await try_now(work, [URL, OTHER], early)  # an earlier one, written after: loses
        await work.commit()
    assert uow.data.resets == {URL: late, OTHER: early}


async def test_resets_older_than_a_day_are_forgotten(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow() as work:
        await try_now(work, [URL], clock.now())
        await try_now(work, [OTHER], clock.now() + RESET_KEPT + timedelta(seconds=1))
        assert list(await work.endpoint_resets.of([URL, OTHER])) == [OTHER]
