"""The bus: runs the reactions to a fact inside the unit of work that recorded it.

A use case calls ``publish`` where the fact happens; every handler the reactions table
(``services/reactions.py``) gives for the fact's type runs there and then, in the table's
order, in the same transaction: a failing reaction rolls the whole use case back, and the
events the reactions record come where the direct calls they replace put them. A reaction
may publish facts of its own; past ``MAX_DEPTH`` nested facts the chain is a loop, and
``ReactionLoop`` ends it instead of letting it spin.

The table is installed once at start-up (``reactions.install``, from the composition root):
the use cases publish without importing their reactions, which is what keeps the services'
imports free of cycles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from sendout.domain.facts import Fact
from sendout.domain.ports import UnitOfWork
from sendout.services.context import Context

#: A reaction: the unit of work and context of the use case, and the fact.
Handler = Callable[[UnitOfWork, Context, Any], Awaitable[None]]
Reactions = Mapping[type, Sequence[Handler]]

#: Facts nested inside one another before the chain counts as a loop. Real chains are short
#: (a customer change enters a segment, which earns points, which moves a tier, which earns).
MAX_DEPTH = 16

# Per asyncio task: concurrent requests each count their own chain.
_depth: ContextVar[int] = ContextVar("sendout_fact_depth", default=0)


class ReactionLoop(RuntimeError):
    """Facts nested past the bus's depth: reactions that publish each other without end."""


class Bus:
    """Runs each fact's handlers from ``reactions``, depth first, at most ``max_depth`` deep."""

    def __init__(self, reactions: Reactions, max_depth: int = MAX_DEPTH) -> None:
        self._reactions = reactions
        self._max_depth = max_depth

    async def publish(self, uow: UnitOfWork, ctx: Context, fact: Fact) -> None:
        depth = _depth.get()
        if depth >= self._max_depth:
            raise ReactionLoop(f"{type(fact).__name__} nested {depth} facts deep")
        token = _depth.set(depth + 1)
        try:
            for handler in self._reactions.get(type(fact), ()):
                await handler(uow, ctx, fact)
        finally:
            _depth.reset(token)


_installed: Bus | None = None


def install(bus: Bus) -> None:
    """Make ``bus`` the one ``publish`` uses (``reactions.install``, at start-up)."""
    global _installed
    _installed = bus


async def publish(uow: UnitOfWork, ctx: Context, fact: Fact) -> None:
    """Run the installed reactions to ``fact`` now, in ``uow``."""
    if _installed is None:
        raise RuntimeError("no reactions installed: call services.reactions.install() first")
    await _installed.publish(uow, ctx, fact)
