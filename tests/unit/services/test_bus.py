"""The bus runs a fact's reactions in the table's order, a nested fact's before the next
reaction, and stops a loop instead of hanging."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sendout.domain.facts import CustomerChanged, CustomerRemoved
from sendout.services.bus import Bus, ReactionLoop
from sendout.testing import make_context


def test_the_bus_runs_reactions_in_order_and_nested_facts_first() -> None:
    seen: list[str] = []
    bus: Bus

    async def first(uow: Any, ctx: Any, fact: CustomerChanged) -> None:
        seen.append("first")
        await bus.publish(uow, ctx, CustomerRemoved(customer_id="c"))

    async def second(uow: Any, ctx: Any, fact: CustomerChanged) -> None:
        seen.append("second")

    async def removed(uow: Any, ctx: Any, fact: CustomerRemoved) -> None:
        seen.append(f"removed {fact.customer_id}")

    bus = Bus({CustomerChanged: [first, second], CustomerRemoved: [removed]})
    fact = CustomerChanged(customer=None)  # type: ignore[arg-type]  # the handlers ignore it
    asyncio.run(bus.publish(None, make_context(), fact))  # type: ignore[arg-type]
    assert seen == ["first", "removed c", "second"]


def test_a_reaction_loop_raises_instead_of_hanging() -> None:
    calls = 0
    bus: Bus

    async def again(uow: Any, ctx: Any, fact: CustomerRemoved) -> None:
        nonlocal calls
        calls += 1
        await bus.publish(uow, ctx, fact)

    bus = Bus({CustomerRemoved: [again]}, max_depth=5)
    with pytest.raises(ReactionLoop):
        asyncio.run(bus.publish(None, make_context(), CustomerRemoved(customer_id="c")))  # type: ignore[arg-type]
    assert calls == 5
