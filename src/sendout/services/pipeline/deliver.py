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

Who does what: this module claims and sends; ``delivery_routes`` works out how each
claimed send-out goes out (or sets it aside: held, canceled) and ``sendout_senders`` sends
it, the same way for webhooks and message channels; ``delivery_records`` records attempts;
``delivery_breakers`` keeps a slow or dead endpoint from delaying healthy ones: while an
endpoint's breaker is open, its due send-outs fail fast, in the claim that reads them, as
attempts that made no connection (``BREAKER_OPEN``) on their own retry ladder, so a short
ladder runs out in its own time (the breaker must not rewrite it), the probe goes out on the
breaker's schedule, no slot or connection is spent on the endpoint, and no claim reads past
its backlog (each send-out read moves on to its next retry). A person's "try now" closes the
breaker in every worker (``services/pipeline/endpoint_resets.py``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from sendout.domain.breaker import BREAKER_OPEN, BreakerPolicy
from sendout.domain.channels import ChannelCatalog
from sendout.domain.clock import Clock
from sendout.domain.deliveries import ChannelSender, MessageSender, SendResult
from sendout.domain.endpoint_limits import LimitPolicy
from sendout.domain.ids import fencing_token
from sendout.domain.ports import UnitOfWorkFactory
from sendout.domain.sendout_lifecycle import claim
from sendout.domain.sendouts import Sendout
from sendout.log_context import log_fields
from sendout.services.pipeline.delivery_breakers import EndpointBreakers
from sendout.services.pipeline.delivery_limits import EndpointLimits
from sendout.services.pipeline.delivery_records import Finished, record_attempts
from sendout.services.pipeline.delivery_routes import (
    ClaimRoutes,
    Route,
    Transports,
    set_aside,
    sources_of,
)
from sendout.services.pipeline.sendout_logging import log_attempt, sendout_log_fields

log = logging.getLogger("sendout.worker")

DELIVERY_BATCH = 200  # most send-outs claimed in one transaction
DELIVERY_CONCURRENCY = 256
ENDPOINT_START = 16  # an endpoint's first limit of attempts in flight (then it adapts)
LEASE_MARGIN = timedelta(seconds=5)  # the lease outlives the attempt timeout by this much
RECLAIM_DELAY = 0.05  # seconds: see the end of ``_claim``
REPORT_TRIES = 3  # a report that cannot be written this often is dropped (the lease redoes it)


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
        endpoint_concurrency: int | None = None,
        batch: int = DELIVERY_BATCH,
        breaker: BreakerPolicy | None = None,
        catalog: ChannelCatalog | None = None,
        messages: Mapping[str, MessageSender] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng
        self._lease = timedelta(seconds=attempt_timeout) + LEASE_MARGIN
        self._concurrency = concurrency
        # Each endpoint's limit adapts to its answers, up to ``endpoint_concurrency`` (by
        # default half of what the worker may have in flight: plenty for a fast endpoint to
        # take all the throughput there is, and if it hangs, the other half still flows
        # until its breaker opens).
        most = min(endpoint_concurrency or max(1, concurrency // 2), concurrency)
        self._limits = EndpointLimits(LimitPolicy(initial=min(ENDPOINT_START, most), maximum=most))
        self._batch = batch
        self._breakers = EndpointBreakers(breaker or BreakerPolicy(), clock)
        #: webhooks go out through ``sender``; message channels through their kind's sender
        self._transports = Transports(sender, catalog or ChannelCatalog(), dict(messages or {}))
        self._in_flight: Counter[str] = Counter()  # per URL, until the attempt is recorded
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished: list[Finished] = []
        self.on_progress: Callable[[], None] = lambda: None
        #: attempts reported after another claim took their send-out over (issue 22's metrics)
        self.stale_reports = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight.total()

    def breakers_open(self) -> int:
        """Endpoints this worker sends nothing to now, their breaker open (the metrics)."""
        return self._breakers.blocking(self._clock.now())

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
        limit = self._breakers.capacity(url, now, self._limits.limit(url))
        return limit - self._in_flight[url]

    def _full(self, url: str, now: datetime) -> bool:
        """No room at the endpoint, for a reason other than its breaker: its due send-outs
        wait their turn, out of the claim's read (a blocked one's are read: failed fast)."""
        return self._room(url, now) <= 0 and not self._breakers.blocked(url, now)

    async def _claim(self) -> int:
        free = self._concurrency - self.in_flight
        if free <= 0:
            return 0
        now = self._clock.now()
        taken: list[tuple[Sendout, Route]] = []
        refused: list[Finished] = []  # due to an endpoint whose breaker is open: failed fast
        limit = min(free, self._batch)
        token, until = fencing_token(self._rng), now + self._lease
        async with self._uow_factory() as uow:
            await self._breakers.close_reset(uow, now)
            watched = {*self._in_flight, *self._breakers.urls}
            busy = {url for url in watched if self._full(url, now)}
            due = list(await uow.deliveries.due(now, limit, busy))
            if not due:
                return 0
            sources = await sources_of(uow, due)
            routes = ClaimRoutes(uow, self._transports, now)
            room: dict[str, int] = {}
            aside = 0
            for sendout in due:
                source = sources.get(sendout.source.id)
                route = await routes.route(sendout, source)
                if route is None:
                    await set_aside(uow, sendout, source, now)
                    aside += 1
                    continue
                if sendout.url not in room:
                    room[sendout.url] = self._room(sendout.url, now)
                if room[sendout.url] > 0 and len(taken) < free:
                    room[sendout.url] -= 1
                    taken.append((claim(sendout, token, now, until), route))
                elif self._breakers.blocked(sendout.url, now):
                    claimed = claim(sendout, token, now, until)
                    refused.append(Finished(claimed, route, now, BREAKER_OPEN))
            leased = [s.id for s, _ in taken] + [f.sendout.id for f in refused]
            await uow.deliveries.lease(leased, until, token)
            if refused:  # recorded under this claim's own token: never stale
                await record_attempts(uow, refused, now, self._rng)
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

    def _start(self, sendout: Sendout, route: Route, now: datetime) -> None:
        self._in_flight[sendout.url] += 1
        self._breakers.started(sendout.url, now)
        task = asyncio.create_task(self._attempt(sendout, route))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- sending --------------------------------------------------------------------------

    async def _attempt(self, sendout: Sendout, route: Route) -> None:
        started = self._clock.now()
        # Every line logged while sending (ours, a channel's, a library's) says which
        # send-out it is about; the task's own context ends with it.
        with log_fields(**sendout_log_fields(sendout)):
            try:
                result = await route.sender.send(sendout, started)
            except Exception as exc:  # senders answer with values; this is a bug guard
                log.exception("sender raised for send-out %s", sendout.id)
                result = SendResult(status_code=None, duration_ms=0, error=type(exc).__name__)
            log_attempt(sendout, result)
        self._breakers.judge(sendout.url, result)
        self._limits.judge(sendout.url, result, self._in_flight[sendout.url] - 1)
        self._finished.append(Finished(sendout, route, started, result))
        self.on_progress()

    # --- recording ------------------------------------------------------------------------

    async def _report_finished(self) -> int:
        if not self._finished:
            return 0
        batch, self._finished = self._finished, []
        now = self._clock.now()
        try:
            async with self._uow_factory() as uow:
                stale = await record_attempts(uow, batch, now, self._rng)
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
                extra=sendout_log_fields(finished.sendout),
            )
        self.stale_reports += len(stale)
        self._release(batch)
        return len(batch)

    def _release(self, finished: Iterable[Finished]) -> None:
        for item in finished:
            url = item.sendout.url
            self._in_flight[url] -= 1
            if self._in_flight[url] <= 0:
                del self._in_flight[url]
