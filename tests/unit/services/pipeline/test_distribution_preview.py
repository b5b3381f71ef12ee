"""A distribution's preview on the in-memory fakes: what each channel would send for the
trigger's sample data or a real event, without sending it."""

from __future__ import annotations

import pytest

from sendout.domain.channels import ChannelCatalog
from sendout.domain.distributions import Distribution
from sendout.domain.errors import NotFound
from sendout.services.pipeline import distribution_preview
from sendout.services.pipeline.distribution_preview import PreviewOutput
from tests.factories.pipeline import Pipeline

URL = "https://hooks.example.com/a"
CATALOG = ChannelCatalog()


async def preview_of(
    pipe: Pipeline, made: Distribution, event_id: str | None = None
) -> tuple[list[PreviewOutput], list[str]]:
    return await distribution_preview.preview(
        pipe.db,
        pipe.ctx,
        trigger=made.trigger,
        action=made.action,
        channels=made.channels,
        catalog=CATALOG,
        event_id=event_id,
    )


async def test_a_preview_renders_sample_data_or_a_real_event(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    (output,), warnings = await preview_of(pipe, made)
    assert (output.channel, output.skipped, warnings) == (made.channels[0], None, [])
    assert output.body["type"] == "signed_up"
    await pipe.record(data={"event": {"type": "signed_up", "metadata": {"plan": "gold"}}})
    (event,) = pipe.db.data.events
    (real,), _ = await preview_of(pipe, made, event.id)
    assert real.body["data"]["event"]["metadata"] == {"plan": "gold"}
    with pytest.raises(NotFound):
        await preview_of(pipe, made, "evcus_nope")
