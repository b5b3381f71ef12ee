"""A loyalty card's activity: the events about it, read back (``GET …/members/{code}/activity``)."""

from __future__ import annotations

from sendout.domain.activity import MEMBER_ACTIVITY_TYPES, ActivityQuery
from sendout.domain.errors import NotFound
from sendout.domain.events import Event
from sendout.domain.ports import Page, UnitOfWorkFactory
from sendout.services.context import Context
from sendout.services.loyalty.loyalties import get_member

_TYPES = frozenset(MEMBER_ACTIVITY_TYPES)


async def list_member_activity(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    query: ActivityQuery,
    program_id: str | None = None,
) -> Page[Event]:
    """The card's events, newest first by default; a card no one holds has none (every event
    about a card is its holder's)."""
    card = (await get_member(uow_factory, ctx, member_id, program_id)).voucher
    async with uow_factory() as uow:
        if query.starting_after_id is not None:
            cursor = await uow.events.get(ctx.project_id, query.starting_after_id)
            if cursor is None or cursor.customer_id != card.holder_id:
                raise NotFound.of("event", query.starting_after_id)
        if card.holder_id is None:
            return Page(items=[], total=None, has_more=False)
        return await uow.events.list_for_card(
            ctx.project_id, card.holder_id, card.id, _TYPES, query
        )
