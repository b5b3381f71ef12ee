"""A dead endpoint's queue stays out of the claim's way while its breaker is open.

Left due, a dead endpoint's send-outs are the oldest due rows, and every claim reads past all
of them before it reaches a healthy endpoint's (an outage of hours: hundreds of thousands of
rows per claim). The deliverer defers them to the breaker's probe time instead; nothing is
dropped, they come due again when the probe may go out.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import timedelta

from sendout.adapters.channels.http1 import Http1Sender
from sendout.bootstrap import Container
from sendout.domain.breaker import BreakerPolicy
from sendout.domain.channels import ChannelCatalog
from sendout.domain.customers import CustomerRef
from sendout.domain.sendouts import Sendout, SendoutQuery
from sendout.domain.targets import TargetPolicy
from sendout.services.deliver import Deliverer
from sendout.services.dispatch import Dispatcher
from sendout.services.distributions import create_distribution
from sendout.services.events import track_custom_event
from sendout.services.projects import create_project
from sendout.testing import FakeClock, make_context, webhook_distribution_draft

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


COOLDOWN = timedelta(seconds=30)
SENDOUTS = 12
SLOTS = 2  # per endpoint: the first claim tries two, the breaker opens on their failures


def closed_port() -> int:
    """A port of 127.0.0.1 nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def sendouts_of(container: Container, project_id: str, distribution_id: str) -> list[Sendout]:
    async with container.uow_factory() as uow:
        page = await uow.sendouts.list(
            project_id, SendoutQuery(distribution_id=distribution_id, limit=100)
        )
    return list(page.items)


async def due_now(container: Container, clock: FakeClock) -> list[Sendout]:
    async with container.uow_factory() as uow:
        return list(await uow.deliveries.due(clock.now(), 100))


async def test_an_open_breaker_defers_its_endpoints_due_send_outs_until_the_probe(
    isolated_container: Container,
) -> None:
    container = isolated_container
    clock = FakeClock()
    issued = await create_project(container.uow_factory, clock, container.rng, "breaker")
    ctx = make_context(issued.project.id, clock=clock, rng=container.rng)
    distribution = await create_distribution(
        container.uow_factory,
        ctx,
        webhook_distribution_draft("ping", f"http://127.0.0.1:{closed_port()}/hook"),
        # The endpoint is on loopback: saved only where the operator allows it.
        catalog=ChannelCatalog(targets=TargetPolicy(allowed=LOOPBACK)),
    )
    for n in range(SENDOUTS):
        await track_custom_event(
            container.uow_factory,
            ctx,
            name="ping",
            customer=CustomerRef(source_id=f"c{n}"),
            metadata={},
        )
    dispatcher = Dispatcher(container.uow_factory, clock, container.rng)
    while await dispatcher.run_batch():
        pass
    assert len(await due_now(container, clock)) == SENDOUTS

    sender = Http1Sender(allowed_targets=LOOPBACK, timeout=2)
    deliverer = Deliverer(
        container.uow_factory,
        sender,
        clock,
        container.rng,
        attempt_timeout=2,
        endpoint_concurrency=SLOTS,
        breaker=BreakerPolicy(threshold=SLOTS, cooldown=COOLDOWN),
    )
    try:
        await deliverer.run_batch()  # two attempts, both refused
        await deliverer.settle()  # recorded: two failures in a row open the breaker
        opened = clock.now()
        await deliverer.run_batch()  # the claim defers the other ten

        rows = await sendouts_of(container, ctx.project_id, distribution.id)
        tried = [s for s in rows if s.attempts_count]
        held = [s for s in rows if not s.attempts_count]
        assert len(tried) == SLOTS
        assert len(held) == SENDOUTS - SLOTS
        assert {s.next_attempt_at for s in held} == {opened + COOLDOWN}
        assert all(s.status.value == "PENDING" for s in rows)
        assert await due_now(container, clock) == []  # nothing for a claim to read past

        # At the probe time they are due again: one probe goes out, is refused, and the
        # breaker opens for twice as long; the rest are deferred to then, none dropped.
        clock.advance(COOLDOWN + timedelta(seconds=1))
        assert len(await due_now(container, clock)) == SENDOUTS - SLOTS
        await deliverer.run_batch()
        await deliverer.settle()
        probed = clock.now()
        await deliverer.run_batch()
        rows = await sendouts_of(container, ctx.project_id, distribution.id)
        held = [s for s in rows if not s.attempts_count]
        assert sum(s.attempts_count for s in rows) == SLOTS + 1
        assert len(held) == SENDOUTS - SLOTS - 1
        assert {s.next_attempt_at for s in held} == {probed + 2 * COOLDOWN}
    finally:
        await deliverer.settle()
        await sender.close()
