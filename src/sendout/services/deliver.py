"""The sender: due send-outs out to their endpoints, attempts recorded, retries scheduled.

Each worker cycle first records the attempts that finished since the last one (one
transaction for all of them), then claims as many due send-outs as it has free slots: the
claim pushes their next attempt to the lease's end, and each one is sent in its own task with
no transaction open. A worker killed after a claim loses nothing: when the lease runs out the
send-outs are due again and another worker sends them (at-least-once; the envelope ``id``
lets receivers drop a repeat). A slot is freed only once its attempt is recorded, so a kill
can repeat at most ``concurrency`` send-outs.

Fencing: each claim writes a fresh token on the send-outs it takes, and an attempt's outcome
is written only while the send-out still carries it. A worker that stalls past its lease
(a frozen VM, SIGSTOP, swapping) while another takes its send-outs over finds, when it wakes,
other tokens (or none): its attempts are recorded as attempts (the receiver did get them)
and counted, but they move no status, pause nothing and raise no notification.

Isolation (DESIGN.md §7: a slow or dead endpoint must not delay healthy ones): each endpoint
(URL) gets at most ``endpoint_concurrency`` slots, and a breaker per endpoint stops calling
it while it is down, so a timing-out endpoint cannot fill the worker with attempts that wait
ten seconds each. While a breaker is open, the endpoint's due send-outs fail fast, in the
claim that reads them, as attempts that made no connection (``BREAKER_OPEN``) on their own
retry ladder: a short ladder runs out in its own time (the breaker must not rewrite it), the
probe goes out on the breaker's schedule, no slot or connection is spent on the endpoint,
and no claim reads past its backlog (each send-out read moves on to its next retry). A
person's "try now" closes the breaker in every worker (``services/endpoint_resets.py``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import orjson

from sendout.domain.breaker import BREAKER_OPEN, Breaker, BreakerPolicy
from sendout.domain.channels import ChannelCatalog, ProviderConfig
from sendout.domain.clock import Clock
from sendout.domain.deliveries import ChannelSender, MessageSender, OutboundRequest, SendResult
from sendout.domain.distributions import Distribution
from sendout.domain.ids import fencing_token
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.secret_headers import unmasked
from sendout.domain.sendouts import (
    ClaimState,
    Sendout,
    SendoutStatus,
    after_attempt,
    claim,
)
from sendout.domain.signing import signature_headers
from sendout.services.delivery_routes import Route, message_route, route_of, set_aside, sources_of
from sendout.services.endpoint_resets import close_reset_breakers
from sendout.services.source_pausing import stop_after_delivery_failure

log = logging.getLogger("sendout.worker")

DELIVERY_BATCH = 200  # most send-outs claimed in one transaction
DELIVERY_CONCURRENCY = 256
ENDPOINT_CONCURRENCY = 16
LEASE_MARGIN = timedelta(seconds=5)  # the lease outlives the attempt timeout by this much
RECLAIM_DELAY = 0.05  # seconds: see the end of ``_claim``
REPORT_TRIES = 3  # a report that cannot be written this often is dropped (the lease redoes it)


@dataclass(slots=True)
class _Finished:
    sendout: Sendout
    route: Route
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
        #: message channels: their kinds, and a sender per kind
        self._catalog = catalog or ChannelCatalog()
        self._messages = dict(messages or {})
        self._in_flight: Counter[str] = Counter()  # per URL, until the attempt is recorded
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished: list[_Finished] = []
        self.on_progress: Callable[[], None] = lambda: None
        #: attempts reported after another claim took their send-out over (issue 22's metrics)
        self.stale_reports = 0

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
        taken: list[tuple[Sendout, Route]] = []
        refused: list[_Finished] = []  # due to an endpoint whose breaker is open: failed fast
        limit = min(free, self._batch)
        token, until = fencing_token(self._rng), now + self._lease
        async with self._uow_factory() as uow:
            await close_reset_breakers(uow, self._breakers, now)
            busy = {u for u in {*self._in_flight, *self._breakers} if self._full(u, now)}
            due = list(await uow.deliveries.due(now, limit, busy))
            if not due:
                return 0
            sources = await sources_of(uow, due)
            configs: dict[tuple[str, str], ProviderConfig | None] = {}
            routes: dict[tuple[str, str], Route | None] = {}  # one per channel and claim
            room: dict[str, int] = {}
            aside = 0
            for sendout in due:
                source = sources.get(sendout.source.id)
                key = (sendout.source.id, sendout.channel_id)
                if key in routes:
                    route = routes[key]
                else:
                    route = route_of(sendout, source, now)
                    if route is not None and isinstance(source, Distribution):
                        route = await message_route(
                            uow, sendout, source, route, configs, self._catalog, self._messages
                        )
                    routes[key] = route
                if route is None:
                    await set_aside(uow, sendout, source, now)
                    aside += 1
                    continue
                if sendout.url not in room:
                    room[sendout.url] = self._room(sendout.url, now)
                if room[sendout.url] > 0 and len(taken) < free:
                    room[sendout.url] -= 1
                    taken.append((claim(sendout, token, now, until), route))
                elif self._blocked(sendout.url, now):
                    claimed = claim(sendout, token, now, until)
                    refused.append(_Finished(claimed, route, now, BREAKER_OPEN))
            leased = [s.id for s, _ in taken] + [f.sendout.id for f in refused]
            await uow.deliveries.lease(leased, until, token)
            if refused:
                await self._record(uow, refused, now)  # under this claim's token: never stale
            await uow.commit()
        for sendout, route in taken:
            self._start(sendout, route, now)
        if len(due) < limit:
            return 0  # any other due send-out waits for a full endpoint: an attempt ending wakes
        if aside or refused or any(left > 0 for left in room.values()):
            return len(due)  # more may be due at once
        # Every endpoint read is full now. Send-outs further on may be for others, but looking
        # at once would read past all of theirs again (the whole backlog, in a backlog). An
        # attempt ending wakes the lane soon enough; the timer bounds the wait when each of
        # those endpoints is slow, so a healthy one further on is not held up.
        asyncio.get_running_loop().call_later(RECLAIM_DELAY, self.on_progress)
        return 0

    def _blocked(self, url: str, now: datetime) -> bool:
        breaker = self._breakers.get(url)
        return breaker is not None and breaker.blocks(now)

    def _full(self, url: str, now: datetime) -> bool:
        """No room at the endpoint, for a reason other than its breaker: its due send-outs
        wait their turn, out of the claim's read (a blocked one's are read: failed fast)."""
        return self._room(url, now) <= 0 and not self._blocked(url, now)

    def _start(self, sendout: Sendout, route: Route, now: datetime) -> None:
        self._in_flight[sendout.url] += 1
        breaker = self._breakers.get(sendout.url)
        if breaker is not None:
            breaker.started(now)
        task = asyncio.create_task(self._attempt(sendout, route))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- sending --------------------------------------------------------------------------

    async def _attempt(self, sendout: Sendout, route: Route) -> None:
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

    async def _send_webhook(self, sendout: Sendout, route: Route, started: datetime) -> SendResult:
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
                stale = await self._record(uow, batch, now)
                await uow.commit()
        except Exception:
            kept = [f for f in batch if f.tries + 1 < REPORT_TRIES]
            for finished in kept:
                finished.tries += 1
            self._finished.extend(kept)
            self._release(f for f in batch if f not in kept)
            log.exception("recording %d attempts failed; %d kept for later", len(batch), len(kept))
            return 0
        for finished in stale:
            log.warning(
                "send-out %s: attempt reported after its claim was taken over; recorded as "
                "an attempt only",
                finished.sendout.id,
            )
        self.stale_reports += len(stale)
        self._release(batch)
        return len(batch)

    async def _record(
        self, uow: UnitOfWork, batch: list[_Finished], now: datetime
    ) -> list[_Finished]:
        """Record every attempt; move on only the send-outs this worker's claim still holds
        (their retry ladder counted from the attempts stored now). Answers the stale ones."""
        stored = await uow.deliveries.claim_states({f.sendout.id for f in batch})
        outcomes: list[Sendout] = []
        stale: list[_Finished] = []
        for finished in batch:
            current = stored.get(finished.sendout.id)
            if current is None or not _still_claimed(finished.sendout, current):
                stale.append(finished)
                continue
            in_flight = replace(finished.sendout, attempts_count=current.attempts_count)
            policy = finished.route.policy
            outcomes.append(after_attempt(in_flight, finished.result, policy, now, self._rng))
        await uow.deliveries.add_attempts([(f.sendout, f.started, f.result) for f in batch])
        await uow.deliveries.update_many(outcomes)
        await uow.deliveries.count_attempts([f.sendout.id for f in stale])
        for outcome in outcomes:
            if outcome.status is SendoutStatus.FAILED:
                reason = outcome.reason or "failed"
                await stop_after_delivery_failure(uow, outcome, reason, now, self._rng)
        return stale

    def _release(self, finished: Iterable[_Finished]) -> None:
        for item in finished:
            url = item.sendout.url
            self._in_flight[url] -= 1
            if self._in_flight[url] <= 0:
                del self._in_flight[url]


def _still_claimed(claimed: Sendout, current: ClaimState) -> bool:
    """Whether the claim ``claimed`` was taken under still holds the send-out: nobody
    claimed it since, and no person acted on it (both change or clear the token)."""
    return (
        claimed.lease_token is not None
        and current.lease_token == claimed.lease_token
        and current.status is SendoutStatus.PENDING
    )
