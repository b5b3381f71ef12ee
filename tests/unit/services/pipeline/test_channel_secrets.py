"""A webhook channel's signing secret on the in-memory fakes: read, rotated with the old one
kept beside it, and only a webhook's."""

from __future__ import annotations

import pytest

from sendout.domain.errors import NotFound
from sendout.services.pipeline import channel_secrets
from tests.factories.pipeline import Pipeline, webhook_of

URL = "https://hooks.example.com/a"


async def test_a_rotated_secret_keeps_the_old_one_beside_it(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    old = webhook_of(made)
    rotated = await channel_secrets.rotate_channel_secret(pipe.db, pipe.ctx, made.id, old.id)
    assert (rotated.channel.previous_secret, rotated.channel.secret_rotated_at) == (
        old.secret,
        pipe.clock.now(),
    )
    assert rotated.channel.secret != old.secret
    read = await channel_secrets.channel_secret(pipe.db, pipe.ctx, made.id, old.id)
    assert read.channel == rotated.channel
    with pytest.raises(NotFound):
        await channel_secrets.channel_secret(pipe.db, pipe.ctx, made.id, "ch_nope")
