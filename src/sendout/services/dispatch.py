"""The dispatcher: events in, send-outs out (DESIGN.md §4-§5).

It claims a batch of undispatched events, finds the active distributions each one fires,
runs their actions and renders every channel's message into a send-out row, then marks the
events dispatched, all in one transaction. A crash before the commit leaves nothing behind
and the batch is claimed again; after it, nothing is dispatched twice (the claim holds its
events until that commit, so there is no lease to outlive and nothing to fence). A PUBLISH
action publishes with a source_id made of the distribution and the event, so even a re-run
could not publish a second code.

With ``read_first`` (SQLite, where one process writes at a time), a batch is worked out in a
read-only transaction and only written under the write lock: the lock is then held for the
inserts, not for the matching and rendering too, so a worker in another process on the same
file waits far less. The write marks only the events still undispatched and gives up the
batch if that is not all of them (another dispatcher took some meanwhile), so an event's
send-outs are still written once: that condition is this path's fence. A batch that needs
a write while it is worked out (a code to publish, a distribution to pause) is done again
the first way, under the write lock throughout. It costs a second transaction per batch
(~0.4 ms here, most of a one-event batch's time), so only the helper below, which
dispatches beside a busy worker, works this way.

On SQLite the worker can have a helper: a second dispatcher in a child process, started when
a backlog first builds up, that uses the second core on backlogs (``entrypoints/
dispatch_process.py``). They share the queue by its length (``Share``): the helper takes
batches only while the queue is long; the worker's own dispatcher takes them while it is
short, as without the helper (one process dispatches a trickle cheapest, its commits never
waiting for the other's), while the helper is not ready yet, and when the helper has not
moved a long queue for ``STALL``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from datetime import timedelta
from enum import Enum
from typing import Any, Protocol

import orjson

from sendout.domain.campaigns import promotion_tier_object, simple_campaign
from sendout.domain.channels import ChannelCatalog, MessageChannel, render_message
from sendout.domain.clock import Clock, iso
from sendout.domain.customers import CustomerRef
from sendout.domain.distributions import (
    MANUAL,
    Action,
    Channel,
    Distribution,
    DistributionStatus,
    EnvelopeContext,
    Listeners,
    WebhookChannel,
    channel_body,
)
from sendout.domain.errors import DomainError
from sendout.domain.events import Event
from sendout.domain.ids import SortableIds
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory, WriteRefused
from sendout.domain.publications import AUTOMATION_CHANNEL, publication_object
from sendout.domain.sendouts import Sendout, SourceKind, SourceRef, create
from sendout.domain.templates import MAX_RENDERED_BYTES
from sendout.domain.vouchers import simple_voucher, voucher_object
from sendout.domain.webhooks import PROJECT_EVENT_OF, ProjectWebhook, project_envelope
from sendout.services.context import Context, internal_context
from sendout.services.customers import with_full_customer
from sendout.services.distributions import SENDOUT_ID_PREFIX
from sendout.services.publications import PublishRequest, publish_in
from sendout.services.source_pausing import pause_after_action_failure

log = logging.getLogger("sendout.worker")

DISPATCH_BATCH = 100
LONG_QUEUE = 2 * DISPATCH_BATCH  # undispatched events beyond which the queue is a backlog
#: a long queue whose oldest event has not moved for this long is dispatched by the worker
STALL = timedelta(seconds=5)
JSON_HEADERS = {"content-type": "application/json"}


class Share(Enum):
    """Which batches a dispatcher takes when two processes dispatch from one file."""

    ALL = "all"  # every batch: the only dispatcher
    SHORT = "short"  # the worker's, beside a helper: see the module's docstring
    LONG = "long"  # the helper's: while the queue is long


class Helper(Protocol):
    """The process that dispatches backlogs beside the worker (``Share.SHORT``)."""

    @property
    def ready(self) -> bool:
        """Started, and dispatching long queues."""
        ...

    def want(self) -> None:
        """A long queue: start, if not started yet."""
        ...


def _seqs(events: Sequence[Event]) -> list[int]:
    return [event.seq for event in events if event.seq is not None]


class ActionFailed(Exception):
    """The action could not run for this event (its reason goes on the send-outs)."""

    def __init__(self, reason: str, details: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class Dispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        rng: random.Random,
        catalog: ChannelCatalog | None = None,
        *,
        read_first: bool = False,
        share: Share = Share.ALL,
        helper: Helper | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng
        # Time-ordered: each batch's send-outs go to the end of the key's index, not all over.
        self._sendout_ids = SortableIds(SENDOUT_ID_PREFIX, rng)
        #: the message channels' kinds (webhooks need none)
        self._catalog = catalog or ChannelCatalog()
        #: work each batch out before taking the write lock (see the module's docstring)
        self._read_first = read_first
        self._share = share
        self._helper = helper
        self._oldest: int | None = None  # the oldest undispatched event last seen (SHORT)
        self._moved = clock.now()  # when it was first seen
        self._took_over = False  # SHORT: dispatching a long queue the other left standing
        self._full = True  # the last batch was full (or declined): the queue may be long

    async def run_batch(self, limit: int = DISPATCH_BATCH) -> int:
        """Dispatch up to ``limit`` events; answers how many were handled."""
        # A batch less than full says the queue is short: no need to ask before the next.
        if self._share is not Share.ALL and self._full and not await self._my_turn():
            return 0
        handled = await self._batch(limit)
        self._full = handled >= limit
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

    async def _my_turn(self) -> bool:
        async with self._uow_factory(read_only=True) as uow:
            oldest, waiting = await uow.events.backlog(LONG_QUEUE + 1)
        long = waiting > LONG_QUEUE
        if self._share is Share.LONG:
            return long
        if not long:
            self._took_over = False
            return True
        if self._helper is not None:
            self._helper.want()
        if self._took_over or self._helper is None or not self._helper.ready:
            self._oldest = None  # the helper's time to move it starts once it is ready
            return True
        now = self._clock.now()
        if oldest != self._oldest:
            self._oldest, self._moved = oldest, now
            return False
        if now - self._moved < STALL:
            return False
        log.warning("no dispatch of a long queue for %s: the worker dispatches it itself", STALL)
        self._took_over = True
        return True

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
                        await self._send_to_webhook(uow, webhook, project_event, event, outbox)
            key = (event.project_id, event.type)
            if key not in listening:
                listening[key] = Listeners(await uow.distributions.active_for(*key))
            for distribution in listening[key].fired_by(event.type, event.data):
                failed = await self._fire(uow, distribution, event, outbox)
                if failed:
                    listening[key] = listening[key].without(distribution.id)
        return outbox

    async def _send_to_webhook(
        self,
        uow: UnitOfWork,
        webhook: ProjectWebhook,
        project_event: str,
        event: Event,
        outbox: list[Sendout],
    ) -> None:
        """One v2024-01-01 message to a project webhook (held while Sendout has it disabled)."""
        now = self._clock.now()
        sendout_id = self._sendout_ids.next(now)
        body = project_envelope(
            sendout_id=sendout_id,
            webhook=webhook,
            project_event=project_event,
            data=event.data,
            event=event.envelope_object(),
            created_at=now,
        )
        outbox.append(
            create(
                id=sendout_id,
                project_id=event.project_id,
                source=SourceRef(SourceKind.WEBHOOK, webhook.id),
                channel_id=webhook.id,
                channel=project_event,
                event_id=event.id,
                event_type=event.type,
                customer_id=event.customer_id,
                url=webhook.target_url,
                headers=JSON_HEADERS,
                body=orjson.dumps(body),
                now=now,
                held="webhook_disabled" if webhook.holds_sendouts else None,
            )
        )

    async def _fire_manual(self, uow: UnitOfWork, event: Event, outbox: list[Sendout]) -> None:
        """A manual event fires the distribution it names, unless that was canceled."""
        named = (event.data.get("distribution") or {}).get("id")
        distribution = await uow.distributions.get(event.project_id, named) if named else None
        if distribution is not None and distribution.status is not DistributionStatus.CANCELED:
            await self._fire(uow, distribution, event, outbox)

    def _context(self, event: Event) -> Context:
        return internal_context(event.project_id, event.group_id, self._clock, self._rng)

    async def _fire(
        self, uow: UnitOfWork, distribution: Distribution, event: Event, outbox: list[Sendout]
    ) -> bool:
        """Run the action and write one send-out per channel; True if something failed (the
        distribution is then paused, so one broken setup cannot fail event after event)."""
        reason, details = None, None
        try:
            data = await self._run_action(uow, distribution, event)
        except ActionFailed as failure:
            reason, details, data = failure.reason, failure.details, {}
        now = self._clock.now()
        failed = reason is not None
        if reason is None and any(isinstance(c, MessageChannel) for c in distribution.channels):
            message_data: Mapping[str, Any] = await with_full_customer(
                uow, event.project_id, event.customer_id, data
            )
        else:
            message_data = data
        for channel in distribution.channels:
            sendout_id = self._sendout_ids.next(now)
            body, channel_reason, skipped = b"", reason, None
            url, headers = self._address(channel, event.project_id)
            if reason is None:
                envelope = EnvelopeContext(
                    sendout_id=sendout_id,
                    project_id=event.project_id,
                    created_at=now,
                    distribution_id=distribution.id,
                    event=event.envelope_object(),
                )
                body, skipped = self._render(
                    channel, message_data if isinstance(channel, MessageChannel) else data, envelope
                )
                if len(body) > MAX_RENDERED_BYTES:
                    body, channel_reason, failed = b"", "payload_too_large", True
            outbox.append(
                create(
                    id=sendout_id,
                    project_id=event.project_id,
                    source=SourceRef(SourceKind.DISTRIBUTION, distribution.id),
                    channel_id=channel.id,
                    channel=channel.event_name,
                    event_id=event.id,
                    customer_id=event.customer_id,
                    event_type=event.type,
                    url=url,
                    headers=headers,
                    body=body,
                    now=now,
                    failed=channel_reason,
                    skipped=skipped,
                    # Paused after a delivery failure: written now, sent once it is set live.
                    held="distribution_paused" if distribution.holds_sendouts else None,
                )
            )
        if failed:
            await pause_after_action_failure(
                uow,
                distribution,
                event.id,
                reason or "payload_too_large",
                details,
                now,
                self._rng,
            )
        return failed

    def _address(self, channel: Channel, project_id: str) -> tuple[str, dict[str, str]]:
        """Where a channel's send-outs go: a webhook's URL and headers, or a message
        channel's provider for the project (its address and credentials are read when
        sending)."""
        if isinstance(channel, WebhookChannel):
            # Recorded with secret values masked: the sender puts them back from the channel.
            return channel.url, {**JSON_HEADERS, **channel.shown_headers()}
        spec = self._catalog.spec(channel.type)
        provider = channel.type if spec is None else spec.provider.name
        return f"{provider}:{project_id}", {}

    def _render(
        self, channel: Channel, data: Mapping[str, Any], envelope: EnvelopeContext
    ) -> tuple[bytes, str | None]:
        """A channel's rendered message, or why there is nothing to send."""
        if isinstance(channel, WebhookChannel):
            return orjson.dumps(channel_body(channel, data, envelope)), None
        spec = self._catalog.spec(channel.type)
        if spec is None:  # a kind this installation no longer has
            return b"", f"unknown channel type {channel.type}"
        message = render_message(channel, spec, data)
        document = {
            **message.as_document(),
            "event_name": channel.event_name,
            "sendout_id": envelope.sendout_id,
            "created_at": iso(envelope.created_at),
        }
        return orjson.dumps(document), message.skipped

    async def _run_action(
        self, uow: UnitOfWork, distribution: Distribution, event: Event
    ) -> Mapping[str, Any]:
        data = dict(event.data)
        action = distribution.action
        if action.type is Action.PLAIN:
            return data
        ctx = self._context(event)
        assert action.campaign_id is not None
        campaign = await uow.campaigns.get(ctx.project_id, action.campaign_id)
        if campaign is None:
            raise ActionFailed("campaign_not_found")
        if action.type is Action.NOTIFY:
            tiers = await uow.campaigns.tiers(ctx.project_id, [campaign.id])
            tier = next((t for t in tiers if t.id == action.promotion_tier_id), None)
            if tier is None:
                raise ActionFailed("promotion_tier_not_found")
            data["campaign"] = simple_campaign(campaign)
            data["promotion_tier"] = promotion_tier_object(tier, campaign)
            return data
        if event.customer_id is None:
            raise ActionFailed("missing_customer")
        source_id = f"{distribution.id}-{event.id}"
        try:
            published = await publish_in(
                uow,
                ctx,
                PublishRequest(
                    customer=CustomerRef(id=event.customer_id),
                    campaign=campaign.id,
                    source_id=source_id,
                    channel=AUTOMATION_CHANNEL,
                    metadata={
                        "distribution_id": distribution.id,
                        "source_type": "distribution",
                        "source_id": distribution.id,
                    },
                ),
            )
        except DomainError as error:
            raise ActionFailed(error.key, error.details) from error
        (voucher,) = published.vouchers
        data["campaign"] = simple_campaign(campaign)
        data["voucher"] = simple_voucher(voucher)
        publication = publication_object(
            published.publication,
            customer={"id": published.customer.id, "object": "customer"},
            vouchers=[voucher_object(voucher)],
            for_create=False,
        )
        publication.pop("voucher", None)
        data["publication"] = publication
        return data
