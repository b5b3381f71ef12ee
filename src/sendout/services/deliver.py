"""The sender: due send-outs out to their endpoints, attempts recorded, retries scheduled.

Each worker cycle first records the attempts that finished since the last one (one
transaction for all of them), then claims as many due send-outs as it has free slots: the
claim pushes their next attempt to the lease's end, and each one is sent in its own task with
no transaction open. A worker killed after a claim loses nothing: when the lease runs out the
send-outs are due again and another worker sends them (at-least-once; the envelope ``id``
lets receivers drop a repeat). A slot is freed only once its attempt is recorded, so a kill
can repeat at most ``concurrency`` send-outs.

Isolation (DESIGN.md §7: a slow or dead endpoint must not delay healthy ones): each endpoint
(URL) gets at most ``endpoint_concurrency`` slots, and a breaker per endpoint stops claiming
its send-outs while it is down, so a timing-out endpoint cannot fill the worker with
attempts that wait ten seconds each. While a breaker is open, the endpoint's due send-outs
are deferred to the breaker's probe time, and while its probe is out, to the probe's lease
end (again every ``DEFER_EVERY`` for those that came due since): left due, every claim would
read past all of them, oldest first, before reaching a healthy endpoint's, and an outage of
hours makes that hundreds of thousands of rows per claim.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import orjson

from sendout.domain.breaker import Breaker, BreakerPolicy
from sendout.domain.channels import ChannelCatalog, MessageChannel, ProviderConfig
from sendout.domain.clock import Clock
from sendout.domain.deliveries import ChannelSender, MessageSender, OutboundRequest, SendResult
from sendout.domain.distributions import (
    PAUSED_DELIVERY_FAILED,
    Distribution,
    DistributionStatus,
    WebhookChannel,
)
from sendout.domain.notifications import NotificationType
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.retry import RetryPolicy, parse_retry_after
from sendout.domain.secret_headers import unmasked
from sendout.domain.sendouts import Sendout, SendoutStatus
from sendout.domain.signing import signature_headers
from sendout.domain.webhooks import DISABLED_DELIVERY_FAILED, WEBHOOK_ID_PREFIX, ProjectWebhook
from sendout.services.notifications import raise_notification

log = logging.getLogger("sendout.worker")

DELIVERY_BATCH = 200  # most send-outs claimed in one transaction
DELIVERY_CONCURRENCY = 256
ENDPOINT_CONCURRENCY = 16
LEASE_MARGIN = timedelta(seconds=5)  # the lease outlives the attempt timeout by this much
DEFAULT_POLICY = RetryPolicy()
RECLAIM_DELAY = 0.05  # seconds: see the end of ``_claim``
REPORT_TRIES = 3  # a report that cannot be written this often is dropped (the lease redoes it)
DEFER_EVERY = timedelta(seconds=1)  # how often an open breaker's new due send-outs are deferred


@dataclass(frozen=True, slots=True)
class _Route:
    """How one claimed send-out goes out: signed with ``secrets`` (a webhook), or handed to a
    message channel's ``sender`` with the project's provider ``config``."""

    secrets: list[str]
    policy: RetryPolicy
    #: a webhook channel's secret headers with their values (the send-out records them masked)
    headers: Mapping[str, str] = field(default_factory=dict)
    sender: MessageSender | None = None
    config: ProviderConfig | None = None


@dataclass(slots=True)
class _Finished:
    sendout: Sendout
    route: _Route
    started: datetime
    result: SendResult
    tries: int = 0


class Deliverer:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        sender: ChannelSender,
        clock: Clock,
        rng: random.Random,
        *,
        attempt_timeout: float = 10.0,
        concurrency: int = DELIVERY_CONCURRENCY,
        endpoint_concurrency: int = ENDPOINT_CONCURRENCY,
        batch: int = DELIVERY_BATCH,
        breaker: BreakerPolicy | None = None,
        catalog: ChannelCatalog | None = None,
        messages: Mapping[str, MessageSender] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._sender = sender
        self._clock = clock
        self._rng = rng
        self._lease = timedelta(seconds=attempt_timeout) + LEASE_MARGIN
        self._concurrency = concurrency
        self._endpoint_concurrency = endpoint_concurrency
        self._batch = batch
        self._breaker_policy = breaker or BreakerPolicy()
        self._breakers: dict[str, Breaker] = {}
        self._deferred: dict[str, datetime] = {}  # per URL, when its send-outs were last deferred
        #: message channels: their kinds, and a sender per kind
        self._catalog = catalog or ChannelCatalog()
        self._messages = dict(messages or {})
        self._in_flight: Counter[str] = Counter()  # per URL, until the attempt is recorded
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished: list[_Finished] = []
        self.on_progress: Callable[[], None] = lambda: None

    @property
    def in_flight(self) -> int:
        return self._in_flight.total()

    async def run_batch(self) -> int:
        """Record finished attempts, then start new ones. Answers how many send-outs it
        claimed when more may be due at once; 0 when there is nothing to do before a wake-up
        (each attempt that ends wakes the lane, as new send-outs do), so a lane does not run
        an empty cycle after every busy one."""
        await self._report_finished()
        return await self._claim()

    async def settle(self) -> None:
        """Wait for every attempt in flight and record it (graceful stop, tests)."""
        while self._tasks or self._finished:
            if self._tasks:
                await asyncio.wait(set(self._tasks))
            await self._report_finished()

    # --- claiming -------------------------------------------------------------------------

    def _room(self, url: str, now: datetime) -> int:
        breaker = self._breakers.get(url)
        limit = self._endpoint_concurrency
        if breaker is not None:
            limit = breaker.capacity(now, limit)
        return limit - self._in_flight[url]

    async def _claim(self) -> int:
        free = self._concurrency - self.in_flight
        if free <= 0:
            return 0
        now = self._clock.now()
        busy = {url for url in {*self._in_flight, *self._breakers} if self._room(url, now) <= 0}
        taken: list[tuple[Sendout, _Route]] = []
        limit = min(free, self._batch)
        async with self._uow_factory() as uow:
            deferred = await self._defer_held(uow, now)
            due = list(await uow.deliveries.due(now, limit, busy))
            if not due:
                if deferred:
                    await uow.commit()
                return 0
            sources = await _sources(uow, due)
            configs: dict[tuple[str, str], ProviderConfig | None] = {}
            routes: dict[tuple[str, str], _Route | None] = {}  # one per channel and claim
            room: dict[str, int] = {}
            set_aside = 0
            for sendout in due:
                source = sources.get(sendout.distribution_id)
                key = (sendout.distribution_id, sendout.channel_id)
                if key in routes:
                    route = routes[key]
                else:
                    route = _route(sendout, source, now)
                    if route is not None and isinstance(source, Distribution):
                        route = await self._message_route(uow, sendout, source, route, configs)
                    routes[key] = route
                if route is None:
                    await _set_aside(uow, sendout, source, now)
                    set_aside += 1
                    continue
                if sendout.url not in room:
                    room[sendout.url] = self._room(sendout.url, now)
                if room[sendout.url] > 0 and len(taken) < free:
                    room[sendout.url] -= 1
                    taken.append((sendout, route))
            await uow.deliveries.lease([s.id for s, _ in taken], now + self._lease)
            await uow.commit()
        for sendout, route in taken:
            self._start(sendout, route, now)
        if len(due) < limit:
            return 0  # any other due send-out waits for a full endpoint: an attempt ending wakes
        if set_aside or any(left > 0 for left in room.values()):
            return len(due)  # more may be due at once
        # Every endpoint read is full now. Send-outs further on may be for others, but looking
        # at once would read past all of theirs again (the whole backlog, in a backlog). An
        # attempt ending wakes the lane soon enough; the timer bounds the wait when each of
        # those endpoints is slow, so a healthy one further on is not held up.
        asyncio.get_running_loop().call_later(RECLAIM_DELAY, self.on_progress)
        return 0

    async def _defer_held(self, uow: UnitOfWork, now: datetime) -> bool:
        """Out of the claim's way: the due send-outs of endpoints whose breaker is open, to
        when the breaker lets a probe through (see the module's docstring). True if it
        wrote anything."""
        wrote = False
        for url, breaker in self._breakers.items():
            until = breaker.hold_until(now, self._lease)
            last = self._deferred.get(url)
            if until is None or (last is not None and now - last < DEFER_EVERY):
                continue
            await uow.deliveries.defer(url, now, until)
            self._deferred[url] = now
            wrote = True
        return wrote

    def _start(self, sendout: Sendout, route: _Route, now: datetime) -> None:
        self._in_flight[sendout.url] += 1
        breaker = self._breakers.get(sendout.url)
        if breaker is not None:
            breaker.started(now)
        task = asyncio.create_task(self._attempt(sendout, route))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- sending --------------------------------------------------------------------------

    async def _message_route(
        self,
        uow: UnitOfWork,
        sendout: Sendout,
        source: Distribution,
        route: _Route,
        configs: dict[tuple[str, str], ProviderConfig | None],
    ) -> _Route:
        """A message channel's send-out goes to its kind's sender with the project's provider
        configuration (read once per claim)."""
        channel = source.channel(sendout.channel_id)
        if not isinstance(channel, MessageChannel):
            return route
        spec = self._catalog.spec(channel.type)
        sender = self._messages.get(channel.type)
        if spec is None or sender is None:
            return replace(route, sender=_Unavailable(channel.type))
        key = (sendout.project_id, spec.provider.name)
        if key not in configs:
            configs[key] = await uow.integrations.get(*key)
        return replace(route, sender=sender, config=configs[key])

    async def _attempt(self, sendout: Sendout, route: _Route) -> None:
        started = self._clock.now()
        try:
            if route.sender is not None:
                result = await route.sender.send(orjson.loads(sendout.body), route.config)
            else:
                result = await self._send_webhook(sendout, route, started)
        except Exception as exc:  # a ChannelSender answers with values; this is a bug guard
            log.exception("sender raised for send-out %s", sendout.id)
            result = SendResult(status_code=None, duration_ms=0, error=type(exc).__name__)
        self._judge_endpoint(sendout.url, result)
        self._finished.append(_Finished(sendout, route, started, result))
        self.on_progress()

    async def _send_webhook(self, sendout: Sendout, route: _Route, started: datetime) -> SendResult:
        headers = {
            **unmasked(sendout.headers, route.headers),
            **signature_headers(route.secrets, sendout.id, int(started.timestamp()), sendout.body),
        }
        return await self._sender.send(
            OutboundRequest(url=sendout.url, headers=headers, body=sendout.body)
        )

    def _judge_endpoint(self, url: str, result: SendResult) -> None:
        breaker = self._breakers.get(url)
        if result.delivered or (result.status_code is not None and result.status_code < 500):
            # The endpoint answered: it is up, whatever it thought of the request.
            if breaker is not None:
                breaker.succeeded()
                if breaker.idle:
                    del self._breakers[url]
                    self._deferred.pop(url, None)
            return
        if result.final:
            return  # refused before sending: says nothing about the endpoint's health
        if breaker is None:
            breaker = self._breakers[url] = Breaker(self._breaker_policy)
        breaker.failed(self._clock.now())

    # --- recording ------------------------------------------------------------------------

    async def _report_finished(self) -> int:
        if not self._finished:
            return 0
        batch, self._finished = self._finished, []
        now = self._clock.now()
        try:
            async with self._uow_factory() as uow:
                outcomes = [self._outcome(finished, now) for finished in batch]
                await uow.deliveries.add_attempts([(f.sendout, f.started, f.result) for f in batch])
                await uow.deliveries.update_many([updated for updated, _ in outcomes])
                for updated, reason in outcomes:
                    if reason is not None:
                        await self._gave_up(uow, updated, reason, updated.updated_at or now)
                await uow.commit()
        except Exception:
            kept = [f for f in batch if f.tries + 1 < REPORT_TRIES]
            for finished in kept:
                finished.tries += 1
            self._finished.extend(kept)
            self._release(f for f in batch if f not in kept)
            log.exception("recording %d attempts failed; %d kept for later", len(batch), len(kept))
            return 0
        self._release(batch)
        return len(batch)

    def _release(self, finished: Iterable[_Finished]) -> None:
        for item in finished:
            url = item.sendout.url
            self._in_flight[url] -= 1
            if self._in_flight[url] <= 0:
                del self._in_flight[url]

    def _outcome(self, finished: _Finished, now: datetime) -> tuple[Sendout, str | None]:
        """The send-out after this attempt, and the reason when retries ran out."""
        sendout, result = finished.sendout, finished.result
        attempts = sendout.attempts_count + 1
        if result.delivered:
            delivered = replace(
                sendout,
                status=SendoutStatus.DELIVERED,
                attempts_count=attempts,
                next_attempt_at=None,
                reason=None,
                updated_at=now,
            )
            return delivered, None
        retry_after = parse_retry_after(result.header("Retry-After"), now)
        next_at = (
            None
            if result.final
            else finished.route.policy.next_attempt(
                attempts=attempts,
                status_code=result.status_code,
                retry_after=retry_after,
                now=now,
                rng=self._rng,
            )
        )
        reason = _reason(result)
        updated = replace(
            sendout,
            status=SendoutStatus.PENDING if next_at else SendoutStatus.FAILED,
            attempts_count=attempts,
            next_attempt_at=next_at,
            reason=reason,
            updated_at=now,
        )
        return updated, None if next_at else reason

    async def _gave_up(self, uow: UnitOfWork, sendout: Sendout, reason: str, now: datetime) -> None:
        """Retries ran out: stop the source until a person turns it back on, and say so (a
        distribution is paused, a project webhook disabled, as Voucherify does)."""
        failed = (
            f"A send-out to {sendout.url} failed after {sendout.attempts_count} "
            f"attempt{'' if sendout.attempts_count == 1 else 's'} "
            f"({reason})."
        )
        details = {"sendout_id": sendout.id, "url": sendout.url, "reason": reason}
        if sendout.distribution_id.startswith(WEBHOOK_ID_PREFIX + "_"):
            webhook = await uow.webhooks.get(sendout.project_id, sendout.distribution_id)
            if webhook is None:
                return
            if webhook.active:
                log.warning("webhook %s disabled: send-out %s failed", webhook.id, sendout.id)
                await uow.webhooks.update(
                    replace(
                        webhook,
                        active=False,
                        disabled_reason=DISABLED_DELIVERY_FAILED,
                        updated_at=now,
                    )
                )
            await self._notify(
                uow,
                sendout,
                NotificationType.WEBHOOK_DISABLED,
                ("webhook", webhook.id),
                f"Project webhook to {webhook.target_url} disabled",
                f"{failed} The webhook is disabled; its messages are held until it is enabled.",
                details,
                now,
            )
            return
        distribution = await uow.distributions.get(sendout.project_id, sendout.distribution_id)
        if distribution is None:
            return
        if distribution.status is DistributionStatus.ACTIVE:
            log.warning("distribution %s paused: send-out %s failed", distribution.id, sendout.id)
            await uow.distributions.update(
                replace(
                    distribution,
                    status=DistributionStatus.PAUSED,
                    paused_reason=PAUSED_DELIVERY_FAILED,
                    updated_at=now,
                )
            )
        await self._notify(
            uow,
            sendout,
            NotificationType.DISTRIBUTION_PAUSED,
            ("distribution", distribution.id),
            f"Distribution {distribution.name!r} paused",
            f"{failed} The distribution is paused and new send-outs are held until it is set "
            "live again."
            if distribution.manual is None
            else failed,
            details,
            now,
        )

    async def _notify(
        self,
        uow: UnitOfWork,
        sendout: Sendout,
        type: NotificationType,
        resource: tuple[str, str],
        title: str,
        message: str,
        details: dict[str, str],
        now: datetime,
    ) -> None:
        await raise_notification(
            uow,
            project_id=sendout.project_id,
            type=type,
            resource=resource,
            title=title,
            message=message,
            details=details,
            now=now,
            rng=self._rng,
        )


def _reason(result: SendResult) -> str:
    """Why an attempt failed, for the send-out log: the status and what the platform said."""
    if result.status_code is None:
        return result.error or "failed"
    said = f": {result.error}" if result.error else ""
    return f"HTTP {result.status_code}{said}"


class _Unavailable:
    """The sender of a channel kind this installation has no transport for: fails at once."""

    def __init__(self, channel_type: str) -> None:
        self._type = channel_type

    async def send(self, message: Mapping[str, Any], config: ProviderConfig | None) -> SendResult:
        return SendResult(
            status_code=None,
            duration_ms=0,
            error=f"no transport for {self._type} channels",
            final=True,
        )


Source = Distribution | ProjectWebhook


def _route(sendout: Sendout, source: Source | None, now: datetime) -> _Route | None:
    """How a claimed send-out goes out, or None when it must not go out now."""
    if isinstance(source, ProjectWebhook):
        if not source.active:
            return None
        return _Route(secrets=source.signing_secrets(now), policy=DEFAULT_POLICY)
    if source is None or source.status in (DistributionStatus.PAUSED, DistributionStatus.DRAFT):
        return None
    channel = source.channel(sendout.channel_id)
    if channel is None:
        return None
    if isinstance(channel, WebhookChannel):
        return _Route(
            secrets=channel.signing_secrets(now),
            policy=channel.retry or DEFAULT_POLICY,
            headers=channel.secret_header_values(),
        )
    return _Route(secrets=[], policy=channel.retry or DEFAULT_POLICY)


async def _set_aside(
    uow: UnitOfWork, sendout: Sendout, source: Source | None, now: datetime
) -> None:
    """A send-out that must not go out now: held while its source is paused or disabled,
    canceled when its source (or its channel) is gone."""
    gone = (
        "source_deleted"
        if source is None
        else "channel_removed"
        if isinstance(source, Distribution) and source.channel(sendout.channel_id) is None
        else None
    )
    held = "webhook_disabled" if isinstance(source, ProjectWebhook) else "distribution_paused"
    await uow.deliveries.update_many(
        [
            replace(
                sendout,
                status=SendoutStatus.CANCELED if gone else SendoutStatus.HELD,
                reason=gone or held,
                next_attempt_at=None,
                updated_at=now,
            )
        ]
    )


async def _sources(uow: UnitOfWork, due: list[Sendout]) -> dict[str, Source]:
    """The distributions and project webhooks the send-outs come from, by id."""
    found: dict[str, Source] = {}
    for project_id, source_id in {(s.project_id, s.distribution_id) for s in due}:
        source: Source | None = (
            await uow.webhooks.get(project_id, source_id)
            if source_id.startswith(WEBHOOK_ID_PREFIX + "_")
            else await uow.distributions.get(project_id, source_id)
        )
        if source is not None:
            found[source_id] = source
    return found
