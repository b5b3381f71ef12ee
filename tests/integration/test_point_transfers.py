"""Point transfers racing on real databases, from two engines: crossing transfers both land
(cards are locked in one order, so they cannot deadlock), and two transfers draining one
card cannot both take its points: no balance goes below zero and no point is made or lost."""

from __future__ import annotations

import asyncio

import pytest

from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.domain.balances import PointsTransfer
from sendout.domain.errors import InvalidPayload
from sendout.services.loyalty import balances
from sendout.services.loyalty.transfers import transfer_points
from sendout.testing import FakeClock
from tests.factories.projects import card_state, member, program_with


async def test_racing_transfers_keep_every_point(isolated_container: Container) -> None:
    container, clock = isolated_container, FakeClock()
    ctx, program_id = await program_with(container, clock)
    a, b, c, d, e = [await member(container, ctx, program_id, who) for who in "abcde"]
    for code in (a, b, c):
        await balances.update_balance(container.uow_factory, ctx, code, 100)
    second = bootstrap(Settings(database_url=container.settings.database_url))
    try:

        async def move(engine: Container, source: str, target: str, points: int) -> str:
            """What became of the transfer: done, or the key it was refused with."""
            try:
                await transfer_points(
                    engine.uow_factory,
                    ctx,
                    program_id,
                    target,
                    [PointsTransfer(code=source, points=points)],
                )
            except InvalidPayload as refused:
                return refused.key
            return "done"

        crossed = await asyncio.gather(move(container, a, b, 60), move(second, b, a, 60))
        assert crossed == ["done", "done"]
        drained = await asyncio.gather(move(container, c, d, 70), move(second, c, e, 70))
        assert sorted(drained) == ["done", "loyalty_card_points_exceeded"]
    finally:
        await second.close()
    left = [int((await card_state(container, ctx, code))["balance"]) for code in (a, b, c, d, e)]
    assert left[:3] == [100, 100, 30]
    assert sorted(left[3:]) == [0, 70]
    assert sum(left) == 300


async def test_a_failing_transfer_leaves_nothing(isolated_container: Container) -> None:
    container, clock = isolated_container, FakeClock()
    ctx, program_id = await program_with(container, clock)
    rich, poor, target = [await member(container, ctx, program_id, w) for w in ("r", "p", "t")]
    await balances.update_balance(container.uow_factory, ctx, rich, 100)
    await balances.update_balance(container.uow_factory, ctx, poor, 100)
    sources = [PointsTransfer(code=rich, points=50), PointsTransfer(code=poor, points=101)]
    with pytest.raises(InvalidPayload):
        await transfer_points(container.uow_factory, ctx, program_id, target, sources)
    states = [await card_state(container, ctx, code) for code in (rich, poor, target)]
    assert [int(s["balance"]) for s in states] == [100, 100, 0]
