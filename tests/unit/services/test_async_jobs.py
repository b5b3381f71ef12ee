"""The worker's side of async actions, on a segment's first sync (the campaign actions need
the promotions stores): claimed under a token, run batch by batch, failed with a message,
and stopped when another worker took the action over."""

from __future__ import annotations

from dataclasses import replace

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.customers import CustomerRef
from sendout.domain.segments import SegmentType, SyncStatus
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.context import Context
from sendout.services.customers.customers import upsert_customer
from sendout.services.customers.segments import SegmentDraft, create_segment, delete_segment
from sendout.testing import FakeClock, InMemoryUnitOfWork, InMemoryUnitOfWorkFactory, seeded_rng

GOLD = {"junction": "and", "metadata.tier": {"conditions": {"$is": ["gold"]}}}


async def gold_segment(uow: InMemoryUnitOfWorkFactory, ctx: Context) -> str:
    for n, tier in enumerate(["gold", "silver", "gold"]):
        await upsert_customer(
            uow, ctx, CustomerRef(source_id=f"c{n}", fields={"metadata": {"tier": tier}})
        )
    draft = SegmentDraft(name="Gold", type=SegmentType.AUTO_UPDATE, filter=GOLD)
    return (await create_segment(uow, ctx, draft)).id


def runner(uow: InMemoryUnitOfWorkFactory, clock: FakeClock) -> AsyncActionRunner:
    return AsyncActionRunner(uow, clock, seeded_rng(3))


def the_action(uow: InMemoryUnitOfWorkFactory) -> AsyncAction:
    (action,) = uow.data.async_actions.values()
    return action


async def test_nothing_waiting_runs_nothing(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    assert await runner(uow, clock).run_next() == 0


async def test_a_segments_first_sync_runs_to_its_end(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    segment_id = await gold_segment(uow, ctx)
    assert await runner(uow, clock).run_next() == 1
    action = the_action(uow)
    assert (action.status, action.done, action.progress) == (AsyncStatus.DONE, 3, 100)
    assert action.result == {"message": "3 customers evaluated", "count": 3}
    members = {c for p, s, c in uow.data.members if s == segment_id}
    gold = {c.id for c in uow.data.customers.values() if c.metadata["tier"] == "gold"}
    assert members == gold
    assert uow.data.segments[segment_id].initial_sync_status is SyncStatus.DONE
    assert await runner(uow, clock).run_next() == 0  # done: nobody claims it again


async def test_a_deleted_segments_sync_fails(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    await delete_segment(uow, ctx, await gold_segment(uow, ctx))
    assert await runner(uow, clock).run_next() == 1
    action = the_action(uow)
    assert (action.status, action.result) == (AsyncStatus.FAILED, {"message": "segment deleted"})


async def test_an_error_fails_the_action_with_its_class_and_message(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    async with uow() as work:
        await work.async_actions.add(
            AsyncAction(
                id="aa_broken",
                project_id=ctx.project_id,
                type=AsyncActionType.SEGMENT_SYNC,
                request={},  # no segment named
                created_at=clock.now(),
            )
        )
        await work.commit()
    assert await runner(uow, clock).run_next() == 1
    action = the_action(uow)
    assert action.status is AsyncStatus.FAILED
    assert action.result == {"message": "KeyError: 'segment_id'"}
    assert action.lease_until is None


class TakenOverAfterClaim(InMemoryUnitOfWorkFactory):
    """Another worker claims every action between this worker's claim and its first batch."""

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        for action in list(self.data.async_actions.values()):
            if action.lease_token not in (None, "lease_other"):
                self.data.async_actions[action.id] = replace(action, lease_token="lease_other")
        return super().__call__(read_only=read_only)


async def test_a_worker_whose_action_was_taken_over_stops_without_writing(
    ctx: Context, clock: FakeClock
) -> None:
    uow = TakenOverAfterClaim()
    segment_id = await gold_segment(uow, ctx)
    assert await runner(uow, clock).run_next() == 1
    action = the_action(uow)
    assert (action.status, action.done, action.lease_token) == (
        AsyncStatus.IN_PROGRESS,
        0,
        "lease_other",
    )
    assert not [m for m in uow.data.members if m[1] == segment_id]
