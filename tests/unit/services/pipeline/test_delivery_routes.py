"""How a claimed send-out goes out: signed to its webhook on its channel's ladder, to its
kind's sender with the project's configuration, or not now (held, canceled)."""

from __future__ import annotations

from dataclasses import replace

from sendout.domain.channels import ChannelCatalog
from sendout.domain.distributions import DistributionStatus
from sendout.domain.sendouts import SendoutStatus
from sendout.domain.webhook_channels import WebhookChannel
from sendout.services.pipeline.delivery_routes import (
    DEFAULT_POLICY,
    ClaimRoutes,
    Transports,
    set_aside,
    sources_of,
)
from sendout.services.pipeline.sendout_senders import SignedWebhook
from tests.factories.pipeline import Pipeline

URL = "https://hooks.example.com/a"


def routes(pipe: Pipeline, uow: object) -> ClaimRoutes:
    transports = Transports(http=pipe.http, catalog=ChannelCatalog(), messages={})
    return ClaimRoutes(uow, transports, pipe.clock.now())  # type: ignore[arg-type]


async def test_a_webhook_channels_sendout_goes_signed_on_the_default_ladder(
    pipe: Pipeline,
) -> None:
    made = await pipe.distribution(URL)
    await pipe.event()
    (sendout,) = pipe.sendouts()
    async with pipe.db() as uow:
        sources = await sources_of(uow, [sendout])
        route = await routes(pipe, uow).route(sendout, sources[made.id])
    assert route is not None
    assert (route.policy, type(route.sender)) == (DEFAULT_POLICY, SignedWebhook)


async def test_a_paused_source_or_a_removed_channel_routes_nowhere(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    await pipe.event()
    (sendout,) = pipe.sendouts()
    paused = replace(made, status=DistributionStatus.PAUSED)
    without = replace(made, channels=())
    async with pipe.db() as uow:
        assert await routes(pipe, uow).route(sendout, paused) is None
        assert await routes(pipe, uow).route(sendout, without) is None
        assert await routes(pipe, uow).route(sendout, None) is None


async def test_set_aside_holds_for_a_paused_source_and_cancels_for_a_gone_one(
    pipe: Pipeline,
) -> None:
    made = await pipe.distribution(URL)
    await pipe.event(2)
    first, second = pipe.sendouts()
    paused = replace(made, status=DistributionStatus.PAUSED)
    (channel,) = made.channels
    assert isinstance(channel, WebhookChannel)
    async with pipe.db() as uow:
        await set_aside(uow, first, paused, pipe.clock.now())
        await set_aside(uow, second, replace(made, channels=()), pipe.clock.now())
        await uow.commit()
    held, canceled = (pipe.db.data.sendouts[s.id] for s in (first, second))
    assert (held.status, held.reason) == (SendoutStatus.HELD, "distribution_paused")
    assert (canceled.status, canceled.reason) == (SendoutStatus.CANCELED, "channel_removed")


async def test_sources_are_found_by_kind_and_the_gone_left_out(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    await pipe.event()
    (sendout,) = pipe.sendouts()
    async with pipe.db() as uow:
        await uow.distributions.remove(pipe.ctx.project_id, made.id)
        assert await sources_of(uow, [sendout]) == {}
