"""What a chaos run counts, once the system has settled: lost, stuck, duplicates, regressed.

- lost: events the API accepted (200) whose customer never received its webhook;
- stuck: send-outs not in a final state (PENDING, HELD) after the settle deadline;
- duplicates: deliveries beyond the first per event (a send-out attempted again, or an event
  dispatched twice: both reach the customer twice), counted at the receiver;
- regressed: send-outs the receiver got yet FAILED in the database (a stale worker's write
  over a newer one's, issue 21 §1), with the distribution paused and notifications raised.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from tests.chaos.harness import QUIET_PERIOD, Api, all_sendouts
from tests.chaos.receiver import Receiver

FINAL = frozenset({"DELIVERED", "FAILED", "SKIPPED", "CANCELED"})
UNFINISHED = ("PENDING", "HELD")
POLL = 0.25  # seconds between looks while settling

COLUMNS = (
    ("scenario", 24),
    ("backend", 10),
    ("send-outs", 9),
    ("unacked", 7),
    ("lost", 5),
    ("stuck", 5),
    ("duplicates", 10),
    ("regressed", 9),
    ("paused", 6),
    ("notified", 8),
    ("kills", 5),
    ("seconds", 7),
)


@dataclass(frozen=True, slots=True)
class Figures:
    scenario: str
    backend: str
    sendouts: int  # events accepted, one send-out each
    lost: int
    stuck: int
    duplicates: int
    regressed: int
    paused: int  # 1 when the distribution was paused
    notified: int  # notifications raised
    kills: int  # faults injected
    seconds: float
    unacknowledged: int = 0  # posts cut by a kill: left out of ``sendouts``, never retried
    notes: tuple[str, ...] = ()  # what the run saw on the way (and logs, if it broke)

    def cells(self) -> tuple[str, ...]:
        return (
            self.scenario,
            self.backend,
            f"{self.sendouts:,}",
            str(self.unacknowledged),
            str(self.lost),
            str(self.stuck),
            str(self.duplicates),
            str(self.regressed),
            str(self.paused),
            str(self.notified),
            str(self.kills),
            f"{self.seconds:.1f}",
        )


def table_row(cells: Iterable[str]) -> str:
    return "  ".join(cell.rjust(width) for cell, (_, width) in zip(cells, COLUMNS, strict=True))


def table_header() -> str:
    return table_row(name for name, _ in COLUMNS)


def distribution_statistics(api: Api, distribution_id: str) -> tuple[str, dict[str, int]]:
    """The distribution's status and its send-outs by status (with their total)."""
    code, body = api.call("GET", f"/v1/distributions/{distribution_id}")
    assert code == 200, body
    return str(body["status"]), dict(body["statistics"]["sendouts"])


def settle(api: Api, distribution_id: str, receiver: Receiver, accepted: int, until: float) -> None:
    """Waits until every accepted event has a send-out, none is unfinished and the receiver
    has been quiet a moment, or until ``until`` (monotonic): what is still open then is
    stuck."""
    while time.monotonic() < until:
        _, counts = distribution_statistics(api, distribution_id)
        settled = counts["total"] >= accepted and not any(counts[s] for s in UNFINISHED)
        if settled:
            _, before = receiver.snapshot()
            time.sleep(QUIET_PERIOD)
            if receiver.snapshot()[1] == before:
                return
        else:
            time.sleep(POLL)


def measure(
    api: Api,
    distribution_id: str,
    receiver: Receiver,
    accepted: set[str],
    *,
    scenario: str,
    backend: str,
    kills: int,
    seconds: float,
    unacknowledged: int = 0,
) -> Figures:
    """The figures of a settled run (``settle`` first)."""
    status, _ = distribution_statistics(api, distribution_id)
    sendouts = all_sendouts(api, distribution_id)
    by_id, _ = receiver.snapshot()
    by_customer = receiver.by_customer()
    code, notifications = api.call("GET", "/v1/notifications?limit=1")
    assert code == 200, notifications
    return Figures(
        scenario=scenario,
        backend=backend,
        sendouts=len(accepted),
        lost=len(accepted - set(by_customer)),
        stuck=sum(1 for s in sendouts.values() if s not in FINAL),
        duplicates=sum(n - 1 for n in by_customer.values()),
        regressed=sum(1 for i, s in sendouts.items() if s == "FAILED" and by_id[i]),
        paused=int(status == "PAUSED"),
        notified=int(notifications["total"]),
        kills=kills,
        seconds=seconds,
        unacknowledged=unacknowledged,
    )
