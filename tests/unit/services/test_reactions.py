"""The reactions table: every fact has reactions, each an async use case its module really
has; installing it twice installs it once; a published fact reaches its reactions inside the
publisher's unit of work, so their writes commit or vanish with it."""

from __future__ import annotations

import importlib
import inspect
import typing
from dataclasses import replace
from typing import Any

import pytest

from sendout.domain.customers import CustomerRef
from sendout.domain.facts import CustomerRemoved, Fact
from sendout.domain.ports import UnitOfWork
from sendout.services import bus, reactions
from sendout.services.context import Context
from sendout.services.customers.customers import upsert_customer
from sendout.testing import InMemoryUnitOfWorkFactory


def test_every_fact_has_reactions_that_exist_in_their_modules() -> None:
    assert set(reactions.REACTIONS) == set(typing.get_args(Fact))
    for fact, handlers in reactions.REACTIONS.items():
        assert handlers, fact
        for handler in handlers:
            module = importlib.import_module(handler.__module__)
            assert getattr(module, handler.__name__) is handler
            assert inspect.iscoroutinefunction(handler), handler


async def test_installing_twice_runs_each_reaction_once(
    monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    seen: list[str] = []

    async def spy(uow: UnitOfWork, ctx: Context, fact: CustomerRemoved) -> None:
        seen.append(fact.customer_id)

    monkeypatch.setitem(reactions.REACTIONS, CustomerRemoved, [spy])
    reactions.install()
    reactions.install()
    await bus.publish(None, ctx, CustomerRemoved(customer_id="c"))  # type: ignore[arg-type]
    assert seen == ["c"]


async def test_a_published_fact_is_handled_in_the_publisher_s_unit_of_work(
    monkeypatch: pytest.MonkeyPatch, uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    ann = await upsert_customer(uow, ctx, CustomerRef(source_id="ann"))
    handled_in: list[Any] = []

    async def rename(unit: UnitOfWork, ctx: Context, fact: CustomerRemoved) -> None:
        # What a reaction writes goes through the publisher's unit of work.
        handled_in.append(unit)
        found = await unit.customers.get(ctx.project_id, fact.customer_id)
        assert found is not None
        await unit.customers.update(replace(found, name="renamed"))

    monkeypatch.setitem(
        reactions.REACTIONS, CustomerRemoved, [*reactions.REACTIONS[CustomerRemoved], rename]
    )
    for commit in (False, True):
        async with uow() as unit:
            await bus.publish(unit, ctx, CustomerRemoved(customer_id=ann.id))
            assert handled_in[-1] is unit
            if commit:
                await unit.commit()
        async with uow() as unit:
            stored = await unit.customers.get(ctx.project_id, ann.id)
        assert stored is not None
        assert stored.name == ("renamed" if commit else None)
