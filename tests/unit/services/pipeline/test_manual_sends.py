"""A manual batch written where it is recorded: without a PUBLISH campaign to serve it here
(a NOTIFY distribution), every recipient's event goes undispatched to the dispatcher and no
send-out is written yet."""

from __future__ import annotations

from sendout.domain.channels import ChannelCatalog
from sendout.domain.customers import Customer
from sendout.domain.event_catalogue import MANUAL
from sendout.services.pipeline.manual_sends import ManualSends
from sendout.services.recording import new_event
from sendout.testing import seeded_rng
from tests.factories.pipeline import Pipeline


async def test_events_not_served_here_are_left_to_the_dispatcher(pipe: Pipeline) -> None:
    distribution = await pipe.manual(None)
    ann = Customer(id="cust_ann", project_id=pipe.ctx.project_id, created_at=pipe.clock.now())
    recipients = [
        (new_event(pipe.ctx, type=MANUAL, customer_id=ann.id, entity_id=None, data={}), ann)
        for _ in range(2)
    ]
    async with pipe.db() as uow:
        sends = ManualSends(seeded_rng(), ChannelCatalog())
        assert await sends.send(uow, pipe.ctx, distribution, recipients) is None
        await uow.commit()
    assert [e.id for e in pipe.db.data.events] == [e.id for e, _ in recipients]
    assert pipe.db.data.dispatched == set()
    assert pipe.sendouts() == []
    assert await pipe.dispatcher.run_batch() == 2  # the dispatcher's to take
