"""What a distribution's action adds to an event's data: nothing for PLAIN; a publication's
source_id is one per distribution and event. (NOTIFY and PUBLISH read the promotions
stores, whose fakes are ``testing/promotions.py``'s.)"""

from __future__ import annotations

from sendout.services.pipeline.distribution_actions import run_action
from sendout.services.promotions.publications import publication_source_id
from sendout.testing import seeded_rng
from tests.factories.pipeline import Pipeline


async def test_a_plain_action_passes_the_events_data_through(pipe: Pipeline) -> None:
    made = await pipe.distribution("https://hooks.example.com/a")
    await pipe.record()
    (event,) = pipe.db.data.events
    async with pipe.db() as uow:
        data = await run_action(uow, made, event, pipe.clock, seeded_rng())
    assert data == dict(event.data)
    assert data is not event.data  # a copy the caller may extend


async def test_a_publications_source_id_is_the_distributions_and_the_events(
    pipe: Pipeline,
) -> None:
    made = await pipe.distribution("https://hooks.example.com/a")
    await pipe.record(2)
    first, second = pipe.db.data.events
    assert publication_source_id(made, first) == f"{made.id}-{first.id}"
    assert publication_source_id(made, first) != publication_source_id(made, second)
