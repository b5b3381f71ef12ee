"""The dispatcher: events in, send-outs out (DESIGN.md §4-§5).

It claims a batch of undispatched events, finds the active distributions each one fires
(and the project webhooks that listen), runs their actions (``distribution_actions``) and
renders every channel's message into a send-out row (``sendout_making``), then marks the
events dispatched, all in one transaction. A crash before the commit leaves nothing behind
and the batch is claimed again; after it, nothing is dispatched twice (the claim holds its
events until that commit, so there is no lease to outlive and nothing to fence).

With ``read_first`` (SQLite, where one process writes at a time), a batch is worked out in a
read-only transaction and only written under the write lock: the lock is then held for the
inserts, not for the matching and rendering too, so a worker in another process on the same
file waits far less. The write marks only the events still undispatched and gives up the
batch if that is not all of them (another dispatcher took some meanwhile), so an event's
send-outs are still written once: that condition is this path's fence. A batch that needs
a write while it is worked out (a code to publish, a distribution to pause) is done again
the first way, under the write lock throughout. It costs a second transaction per batch
(most of a one-event batch's time), so only SQLite's dispatch helper, which
dispatches beside a busy worker, works this way.

Two dispatchers on one SQLite file (the worker's and its helper's) share the queue by its
length: each asks its ``Turns`` before a batch (the policy sits beside the helper process,
in ``entrypoints/dispatch_share.py``). A dispatcher without one takes every batch.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sendout.domain.channels import ChannelCatalog, MessageChannel
from sendout.domain.clock import Clock
from sendout.domain.distributions import Distribution, DistributionStatus
from sendout.domain.event_catalogue import MANUAL, PROJECT_EVENT_OF
from sendout.domain.events import Event
from sendout.domain.listeners import Listeners
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory, WriteRefused
from sendout.domain.sendouts import Sendout
from sendout.domain.webhooks import ProjectWebhook
from sendout.services.customers.customers import with_full_customer
from sendout.services.pipeline.distribution_actions import ActionFailed, run_action
from sendout.services.pipeline.sendout_making import PAYLOAD_TOO_LARGE, SendoutMaker
from sendout.services.pipeline.source_pausing import pause_after_action_failure

log = logging.getLogger("sendout.worker")

DISPATCH_BATCH = 100


class Turns(Protocol):
    """Whether a dispatcher takes the next batch, when another dispatches beside it."""

    async def mine(self) -> bool:
        """Take the next batch?"""
        ...

    def dispatched(self, handled: int, limit: int) -> None:
        """The batch taken handled ``handled`` events of at most ``limit``."""
        ...


def _seqs(events: Sequence[Event]) -> list[int]:
    return [event.seq for event in events if event.seq is not None]


class Dispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        rng: random.Random,
        catalog: ChannelCatalog | None = None,
        *,
        read_first: bool = False,
        turns: Turns | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng
        self._maker = SendoutMaker(rng, catalog or ChannelCatalog())
        #: work each batch out before taking the write lock (see the module's docstring)
        self._read_first = read_first
        self._turns = turns

    async def run_batch(self, limit: int = DISPATCH_BATCH) -> int:
        """Dispatch up to ``limit`` events; answers how many were handled."""
        if self._turns is not None and not await self._turns.mine():
            return 0
        handled = await self._batch(limit)
        if self._turns is not None:
            self._turns.dispatched(handled, limit)
        return handled

    async def _batch(self, limit: int) -> int:
        if self._read_first:
            try:
                return await self._read_then_write(limit)
            except WriteRefused:
                pass  # this batch writes while it is worked out: under the lock throughout
        async with self._uow_factory() as uow:
            events = list(await uow.events.claim_undispatched(limit))
            if not events:
                return 0
            await uow.sendouts.add_many(await self._sendouts(uow, events))
            await uow.events.mark_dispatched(_seqs(events), self._clock.now())
            await uow.commit()
        return len(events)

    async def _read_then_write(self, limit: int) -> int:
        async with self._uow_factory(read_only=True) as uow:
            events = list(await uow.events.claim_undispatched(limit))
            if not events:
                return 0
            outbox = await self._sendouts(uow, events)
        async with self._uow_factory() as uow:
            seqs = _seqs(events)
            if await uow.events.mark_dispatched(seqs, self._clock.now()) < len(seqs):
                log.info("events dispatched elsewhere meanwhile: batch of %d read again", len(seqs))
                return 0  # rolled back: the next batch reads what is left
            await uow.sendouts.add_many(outbox)
            await uow.commit()
        return len(events)

    async def _sendouts(self, uow: UnitOfWork, events: Sequence[Event]) -> list[Sendout]:
        """The send-outs the events make (the actions they fire run in ``uow``)."""
        listening: dict[tuple[str, str], Listeners] = {}
        hooks: dict[str, Sequence[ProjectWebhook]] = {}
        outbox: list[Sendout] = []  # written together, in one statement
        for event in events:
            if event.type == MANUAL:
                await self._fire_manual(uow, event, outbox)
                continue
            project_event = PROJECT_EVENT_OF.get(event.type)
            if project_event is not None:
                if event.project_id not in hooks:
                    hooks[event.project_id] = await uow.webhooks.sending_for(event.project_id)
                for webhook in hooks[event.project_id]:
                    if webhook.listens_to(project_event):
                        outbox.append(
                            self._maker.for_webhook(
                                webhook, project_event, event, self._clock.now()
                            )
                        )
            key = (event.project_id, event.type)
            if key not in listening:
                listening[key] = Listeners(await uow.distributions.active_for(*key))
            for distribution in listening[key].fired_by(event.type, event.data):
                failed = await self._fire(uow, distribution, event, outbox)
                if failed:
                    listening[key] = listening[key].without(distribution.id)
        return outbox

    async def _fire_manual(self, uow: UnitOfWork, event: Event, outbox: list[Sendout]) -> None:
        """A manual event fires the distribution it names, unless that was canceled."""
        named = (event.data.get("distribution") or {}).get("id")
        distribution = await uow.distributions.get(event.project_id, named) if named else None
        if distribution is not None and distribution.status is not DistributionStatus.CANCELED:
            await self._fire(uow, distribution, event, outbox)

    async def _fire(
        self, uow: UnitOfWork, distribution: Distribution, event: Event, outbox: list[Sendout]
    ) -> bool:
        """Run the action and write one send-out per channel; True if something failed (the
        distribution is then paused, so one broken setup cannot fail event after event)."""
        reason, details = None, None
        try:
            data = await run_action(uow, distribution, event, self._clock, self._rng)
        except ActionFailed as failure:
            reason, details, data = failure.reason, failure.details, {}
        now = self._clock.now()
        if reason is None and any(isinstance(c, MessageChannel) for c in distribution.channels):
            message_data: Mapping[str, Any] = await with_full_customer(
                uow, event.project_id, event.customer_id, data
            )
        else:
            message_data = data
        sendouts, too_large = self._maker.for_channels(
            distribution, event, data, message_data, reason, now
        )
        outbox.extend(sendouts)
        if reason is None and not too_large:
            return False
        await pause_after_action_failure(
            uow, distribution, event.id, reason or PAYLOAD_TOO_LARGE, details, now, self._rng
        )
        return True
