"""The process's Prometheus metrics (``prometheus-client``): every definition in this module.

One ``Metrics`` per process (the composition root makes it), with a registry of its own: the
API process and each worker expose their own figures on their own ``/metrics`` and Prometheus
adds them up (``sum by``), which is how it expects processes to be scraped; SQLite's
dispatch helper sends its figures to its worker, which counts them as its own
(``entrypoints/dispatch_process.py``).

Three kinds of figures, each read where it is cheapest:
- counted as they happen: HTTP requests (``entrypoints/api/metrics.py``), and what each
  transaction committed (``Observer``: events, send-outs, attempts, dispatch batches), a few
  dict lookups and one counter step per label set per commit;
- a worker's state in memory (lanes, breakers, fenced reports), read when scraped;
- the queues as the database holds them (due send-outs, undispatched events, async actions),
  read when scraped by ``QueueFigures`` queries on indexes, at most once a second whoever
  scrapes, with counts capped so a scrape never walks a whole backlog.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from sendout.config import IPNetwork
from sendout.domain.clock import Clock
from sendout.domain.observations import (
    Facts,
    QueueFigures,
    Tally,
    WorkerFigures,
    event_label,
)

log = logging.getLogger("sendout.metrics")

#: what ``render`` answers: the classic text format every Prometheus version reads
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
#: how long queue figures read from the database serve scrapes (a scrape flood costs nothing)
QUEUE_FIGURES_SECONDS = 1.0
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)

QueueReader = Callable[[], Awaitable[QueueFigures]]


class Metrics:
    """The registry and its metrics; the unit of work's ``Observer``."""

    def __init__(self, clock: Clock, kinds: Mapping[str, str]) -> None:
        self._clock = clock
        #: provider name -> channel type (a message channel's send-out is addressed by provider)
        self._kinds = dict(kinds)
        # No ``_created`` series beside each counter: twice the series for a figure Prometheus
        # does not need (it sees resets itself).
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        self.requests = Counter(
            "sendout_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "sendout_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.events = Counter(
            "sendout_events_recorded", "Events recorded, by type", ["type"], registry=registry
        )
        self.batches = Histogram(
            "sendout_dispatch_batch_size",
            "Events per dispatched batch",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.created = Counter(
            "sendout_sendouts_created",
            "Send-outs written, by channel kind",
            ["channel"],
            registry=registry,
        )
        self.outcomes = Counter(
            "sendout_sendout_outcomes",
            "Send-outs that reached a status (delivered, failed, skipped, held, canceled), "
            "by channel kind",
            ["channel", "status"],
            registry=registry,
        )
        self.attempts = Histogram(
            "sendout_attempt_duration_seconds",
            "Delivery attempts and their duration, by outcome",
            ["outcome"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._http: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._events: dict[str, Counter] = {}
        self._queues = _QueueCollector(clock)
        self._workers = _WorkerCollector()

    # --- counted as they happen -------------------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered request (``route``: the matched route's template, never a raw path)."""
        if method not in HTTP_METHODS:  # a client may send any token as a method
            method = "other"
        key = (method, route, status)
        children = self._http.get(key)
        if children is None:  # bounded: methods, route templates and statuses are finite
            children = self._http[key] = (
                self.requests.labels(method, route, str(status)),
                self.request_seconds.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def committed(self, facts: Facts) -> None:
        if facts.created or facts.moved or facts.attempts or facts.dispatched:
            self.apply(Tally.of(facts, self._kinds))
            return
        # Events alone (an API write): counted without building a tally.
        for event_type in facts.events:
            self._event_counter(event_label(event_type)).inc()

    def _event_counter(self, label: str) -> Counter:
        counter = self._events.get(label)
        if counter is None:  # bounded: ``event_label`` folds unknown types into one
            counter = self._events[label] = self.events.labels(label)
        return counter

    def apply(self, tally: Tally) -> None:
        """Count a transaction's tally (this process's, or its dispatch helper's)."""
        for event_type, n in tally.events.items():
            self._event_counter(event_type).inc(n)
        for kind, n in tally.created.items():
            self.created.labels(kind).inc(n)
        for (kind, status), n in tally.reached.items():
            self.outcomes.labels(kind, status).inc(n)
        for outcome, seconds in tally.attempts:
            self.attempts.labels(outcome).observe(seconds)
        for size in tally.batches:
            self.batches.observe(size)

    # --- read when scraped ------------------------------------------------------------------

    def watch_queues(self, read: QueueReader) -> None:
        """Report the queues (once, in the process that runs a worker)."""
        if self._queues.read is None:
            self.registry.register(self._queues)
        self._queues.read = read

    def watch_worker(self, figures: Callable[[], WorkerFigures]) -> None:
        if not self._workers.sources:
            self.registry.register(self._workers)
        self._workers.sources.append(figures)

    async def render(self) -> bytes:
        """The scrape: queue figures refreshed (at most once a second), then every metric."""
        await self._queues.refresh()
        return generate_latest(self.registry)


class _QueueCollector:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.read: QueueReader | None = None
        self._figures: QueueFigures | None = None
        self._read_at = -QUEUE_FIGURES_SECONDS

    async def refresh(self) -> None:
        if self.read is None or time.monotonic() - self._read_at < QUEUE_FIGURES_SECONDS:
            return
        self._read_at = time.monotonic()
        try:
            self._figures = await self.read()
        except Exception as exc:  # the scrape still answers, without figures it cannot know
            log.warning("metrics: the queue figures could not be read (%s)", type(exc).__name__)
            self._figures = None

    def collect(self) -> Iterable[Metric]:
        figures = self._figures
        if figures is None:
            return
        now = self._clock.now()
        yield _gauge(
            "sendout_events_undispatched",
            "Events recorded and not dispatched yet (counted up to 100,000)",
            figures.undispatched_events,
        )
        yield _gauge(
            "sendout_dispatch_lag_seconds",
            "Age of the oldest undispatched event (0: none waits)",
            _age(figures.oldest_undispatched_at, now),
        )
        yield _gauge(
            "sendout_due_sendouts",
            "Send-outs due for an attempt now (counted up to 100,000)",
            figures.due_sendouts,
        )
        yield _gauge(
            "sendout_due_oldest_age_seconds",
            "How long the oldest due send-out has been due (0: none is)",
            _age(figures.oldest_due_at, now),
        )
        yield _gauge(
            "sendout_async_actions_in_progress",
            "Async actions (code generation, imports, syncs) enqueued or running",
            figures.async_actions_in_progress,
        )


class _WorkerCollector:
    def __init__(self) -> None:
        self.sources: list[Callable[[], WorkerFigures]] = []

    def collect(self) -> Iterable[Metric]:
        beats = GaugeMetricFamily(
            "sendout_worker_lane_heartbeat_timestamp_seconds",
            "When each worker lane last finished a cycle (Unix time)",
            labels=["lane"],
        )
        cycles = CounterMetricFamily(
            "sendout_worker_lane_cycles", "Cycles each worker lane ran", labels=["lane"]
        )
        figures = [source() for source in self.sources]
        for worker in figures:
            for beat in worker.lanes:
                beats.add_metric([beat.lane], beat.last_cycle)
                cycles.add_metric([beat.lane], beat.cycles)
        yield beats
        yield cycles
        yield _gauge(
            "sendout_endpoint_breakers_open",
            "Endpoints whose breaker refuses attempts now (open, or probing)",
            sum(f.breakers_open for f in figures),
        )
        yield _gauge(
            "sendout_attempts_in_flight",
            "Delivery attempts under way",
            sum(f.attempts_in_flight for f in figures),
        )
        yield CounterMetricFamily(
            "sendout_stale_reports",
            "Attempts reported after another claim took their send-out over (fenced: recorded "
            "as attempts only)",
            value=sum(f.stale_reports for f in figures),
        )
        helpers = [f.dispatch_helper_ready for f in figures if f.dispatch_helper_ready is not None]
        if helpers:
            yield _gauge(
                "sendout_dispatch_helper_ready",
                "SQLite's dispatch helper process runs and dispatches (1) or not (0)",
                sum(helpers),
            )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _age(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


def may_scrape(client: str | None, allowed: Iterable[IPNetwork] | None) -> bool:
    """Whether a client at ``client`` (an IP address) may read ``/metrics`` (``allowed``:
    ``SENDOUT_METRICS_ALLOW``; None: metrics are off)."""
    if allowed is None or client is None:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:  # a Unix socket's peer, or anything but an address: not known to be ours
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 on a dual-stack listener
    return any(address in network for network in allowed)
