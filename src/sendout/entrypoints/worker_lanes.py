"""The worker's lanes: the jobs ``bootstrap.worker_jobs`` wires, each lane run as a loop of
its own, with SQLite's dispatch helper beside them where it helps (``dispatch_process.py``)."""

from __future__ import annotations

import os

from sendout.bootstrap import Container, worker_jobs
from sendout.domain.deliveries import ChannelSender
from sendout.domain.observations import LaneBeat, WorkerFigures
from sendout.entrypoints.dispatch_process import dispatch_helper
from sendout.entrypoints.dispatch_share import QueueShare, Share
from sendout.entrypoints.worker import Lane, Lanes, Worker

#: A manual distribution's lane waits as long as each of its batches took before the next:
#: delivery (of that distribution's send-outs too) and dispatch get at least half the
#: process's time while it runs, instead of a turn of the loop per batch.
MANUAL_PACE = 1.0


def worker_lanes(container: Container, http: ChannelSender) -> Lanes:
    """Delivery; dispatch and scheduled work; manual distributions; alert emails (with
    SMTP); the dispatch helper (SQLite). Committed work wakes them
    (``Container.wake_worker``)."""
    settings = container.settings
    poll = settings.worker_poll_seconds
    helper = dispatch_helper(settings, os.environ, container.metrics.apply)
    share = (
        None
        if helper is None
        else QueueShare(container.uow_factory, container.clock, Share.SHORT, helper)
    )
    jobs = worker_jobs(container, http, dispatch_turns=share)
    deliverer = jobs.deliverer
    delivery = Worker(
        [("deliver", deliverer.run_batch)],
        poll_interval=poll,
        on_stop=deliverer.settle,
        name="delivery",
    )
    # Each attempt that ends wakes the delivery lane (a slot is free, a retry may be due).
    deliverer.on_progress = delivery.wake
    # New send-outs may have been written: the delivery lane looks at once.
    main = Worker(jobs.main, poll_interval=poll, on_progress=delivery.wake, name="main")
    manual = Worker(
        jobs.manual, poll_interval=poll, on_progress=delivery.wake, name="manual", pace=MANUAL_PACE
    )
    workers = [main, manual, delivery]
    if jobs.mail:
        workers.append(Worker(jobs.mail, poll_interval=poll, name="mail"))
    lanes: list[Lane] = [*workers]
    if helper is not None:
        lanes.append(helper)
    running = Lanes(lanes, listen=container.database.listen)
    container.wake_listeners.append(running.wake)

    def figures() -> WorkerFigures:
        return WorkerFigures(
            lanes=tuple(LaneBeat(w.name, w.last_cycle, w.cycles) for w in workers),
            breakers_open=deliverer.breakers_open(),
            stale_reports=deliverer.stale_reports,
            attempts_in_flight=deliverer.in_flight,
            dispatch_helper_ready=None if helper is None else helper.ready,
        )

    container.observe_worker(figures)
    return running
