"""What the process observes for its metrics (issue 22), as plain values: no metrics library.

Facts are counted where they are written, when they commit: the unit of work collects what a
transaction wrote (events, send-outs, their moves, attempts, a dispatched batch) in ``Facts``
and hands them to its ``Observer`` after the commit, so every path (API, worker, SQLite's
dispatch helper) counts the same way, nothing rolled back is counted, and the services need
no metrics code. ``Tally`` is the facts reduced to bounded labels: what a metrics adapter
adds up, and what a child process sends its parent (a JSON-able value).

Labels never carry unbounded values: event types outside the catalogue, channel kinds outside
the installation's and any other outcome are ``other``; no id, URL or customer ever.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sendout.domain.breaker import BREAKER_OPEN
from sendout.domain.deliveries import SendResult
from sendout.domain.event_catalogue import DISTRIBUTION_EVENT_TYPES
from sendout.domain.events import ACTIVITY_TYPES
from sendout.domain.sendouts import Sendout, SendoutStatus, SourceKind

OTHER = "other"
KNOWN_EVENT_TYPES = ACTIVITY_TYPES | DISTRIBUTION_EVENT_TYPES
#: statuses a send-out is counted on reaching (PENDING is the way between them)
COUNTED_STATUSES = frozenset(SendoutStatus) - {SendoutStatus.PENDING}
WEBHOOK = "webhook"
PROJECT_WEBHOOK = "project_webhook"
#: attempts a sender refused before connecting (a target outside SENDOUT_ALLOWED_TARGETS...)
REFUSED = "refused"


@dataclass(slots=True)
class Facts:
    """What one transaction wrote, kept until it commits (cheap: references, no work)."""

    events: list[str] = field(default_factory=list)
    created: list[Sendout] = field(default_factory=list)
    moved: list[Sendout] = field(default_factory=list)
    attempts: list[tuple[Sendout, SendResult]] = field(default_factory=list)
    dispatched: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.events or self.created or self.moved or self.attempts or self.dispatched)


class Observer(Protocol):
    """Told what each transaction wrote, once it committed."""

    def committed(self, facts: Facts) -> None: ...


def event_label(event_type: str) -> str:
    # A plain string: services record some types as ``EventType`` members, and the dispatch
    # helper's tallies are JSON, whose keys cannot be enum members.
    return str(event_type) if event_type in KNOWN_EVENT_TYPES else OTHER


def channel_kind(sendout: Sendout, kinds: Mapping[str, str]) -> str:
    """A send-out's channel kind: ``webhook``, ``project_webhook`` or a message channel's type
    (``email``, ``sms``, ``braze``...), read from its address: a message channel's send-out is
    addressed ``provider:project`` (``kinds``: provider name -> channel type)."""
    if sendout.source.kind is SourceKind.WEBHOOK:
        return PROJECT_WEBHOOK
    if sendout.url.startswith(("https:", "http:")):
        return WEBHOOK
    provider, _, _ = sendout.url.partition(":")
    return kinds.get(provider, OTHER)


def attempt_outcome(result: SendResult) -> str:
    """``delivered``, ``http_3xx``/``http_4xx``/``http_5xx``, ``breaker_open``, ``refused``
    (not sent: not allowed, not configured), ``timeout`` or ``error`` (no answer)."""
    if result.status_code is not None:
        return "delivered" if result.delivered else f"http_{min(result.status_code // 100, 5)}xx"
    if result.error == BREAKER_OPEN.error:
        return "breaker_open"
    if result.final:
        return REFUSED
    if result.error is not None and "timeout" in result.error.lower():
        return "timeout"
    return "error"


@dataclass(slots=True)
class Tally:
    """Facts reduced to label counts (and the values histograms need)."""

    events: Counter[str] = field(default_factory=Counter)
    #: by channel kind
    created: Counter[str] = field(default_factory=Counter)
    #: by (channel kind, status in lower case)
    reached: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: (outcome, seconds) per attempt
    attempts: list[tuple[str, float]] = field(default_factory=list)
    #: events per dispatched batch
    batches: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, facts: Facts, kinds: Mapping[str, str]) -> Tally:
        tally = cls()
        tally.events.update(event_label(t) for t in facts.events)
        for sendout in facts.created:
            kind = channel_kind(sendout, kinds)
            tally.created[kind] += 1
            if sendout.status in COUNTED_STATUSES:
                tally.reached[kind, sendout.status.value.lower()] += 1
        for sendout in facts.moved:
            if sendout.status in COUNTED_STATUSES:
                tally.reached[channel_kind(sendout, kinds), sendout.status.value.lower()] += 1
        tally.attempts.extend((attempt_outcome(r), r.duration_ms / 1000) for _, r in facts.attempts)
        tally.batches.extend(facts.dispatched)
        return tally

    def as_json(self) -> dict[str, Any]:
        return {
            "events": dict(self.events),
            "created": dict(self.created),
            "reached": [[k, s, n] for (k, s), n in self.reached.items()],
            "attempts": self.attempts,
            "batches": self.batches,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tally:
        """A tally another process sent (its labels bounded again: it is read from a pipe)."""
        tally = cls()
        tally.events.update({event_label(str(t)): int(n) for t, n in data["events"].items()})
        tally.created.update({str(k): int(n) for k, n in data["created"].items()})
        tally.reached.update({(str(k), str(s)): int(n) for k, s, n in data["reached"]})
        tally.attempts.extend((str(o), float(s)) for o, s in data["attempts"])
        tally.batches.extend(int(n) for n in data["batches"])
        return tally


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """The queues as the database holds them now (read at scrape time; counts capped)."""

    undispatched_events: int
    oldest_undispatched_at: datetime | None
    due_sendouts: int
    oldest_due_at: datetime | None
    async_actions_in_progress: int


@dataclass(frozen=True, slots=True)
class LaneBeat:
    """A worker lane's heartbeat: its name, when its last cycle ended (Unix time), cycles."""

    lane: str
    last_cycle: float
    cycles: int


@dataclass(frozen=True, slots=True)
class WorkerFigures:
    """A worker's state in memory (read at scrape time)."""

    lanes: tuple[LaneBeat, ...]
    breakers_open: int
    stale_reports: int
    attempts_in_flight: int
    #: SQLite's dispatch helper: whether it runs and dispatches (None: this worker has none)
    dispatch_helper_ready: bool | None = None
