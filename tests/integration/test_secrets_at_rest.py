"""Secrets at rest on both backends: sealed in the rows when ``SENDOUT_ENCRYPTION_KEY`` is
set, plain rows from before still read, ``rotate_secrets`` seals everything again with a new
first key (and the old key can then go), and no key or a wrong one is refused, never used."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from sendout.adapters.db.secret_rows import rotate_secrets
from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.domain.channels import ProviderConfig
from sendout.domain.errors import SecretsUnavailable
from sendout.domain.webhook_channels import WebhookChannel
from sendout.domain.webhooks import ProjectWebhook
from sendout.services.accounts.projects import create_project
from sendout.services.pipeline.distributions import create_distribution
from sendout.testing import make_context, webhook_distribution_draft

KEY_1, KEY_2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TABLES = ("distributions", "webhooks", "integrations")


@asynccontextmanager
async def keyed(container: Container, *keys: str) -> AsyncIterator[Container]:
    """Another container over the same database, with these keys."""
    other = bootstrap(
        Settings(database_url=container.settings.database_url, encryption_keys=keys),
        clock=container.clock,
        rng=container.rng,
    )
    try:
        yield other
    finally:
        await other.close()


class Written:
    """One project's secrets, written through the stores: a distribution whose webhook has an
    Authorization header and a previous signing secret, a project webhook, an integration."""

    def __init__(self, project_id: str, tag: str) -> None:
        self.project_id = project_id
        self.authorization = f"Bearer auth-{tag}-0001"
        self.previous_secret = f"whsec_previous-{tag}-0002"
        self.webhook_secret = f"whsec_hook-{tag}-0003"
        self.api_key = f"crm-key-{tag}-0004"
        self.distribution_id = ""
        self.channel_secret = ""

    @property
    def secrets(self) -> list[str]:
        return [
            self.authorization,
            self.previous_secret,
            self.webhook_secret,
            self.api_key,
            self.channel_secret,
        ]

    async def write(self, container: Container) -> None:
        ctx = make_context(self.project_id, clock=container.clock, rng=container.rng)
        draft = webhook_distribution_draft(
            "joined",
            "https://example.com/hook",
            headers={"Authorization": self.authorization, "X-Tenant": "tenant-visible"},
        )
        created = await create_distribution(
            container.uow_factory, ctx, draft, catalog=container.channels
        )
        self.distribution_id = created.id
        channel = created.channels[0]
        assert isinstance(channel, WebhookChannel)
        self.channel_secret = channel.secret
        now = container.clock.now()
        rotated = replace(channel, previous_secret=self.previous_secret, secret_rotated_at=now)
        async with container.uow_factory() as uow:
            await uow.distributions.update(replace(created, channels=(rotated,)))
            await uow.webhooks.add(
                ProjectWebhook(
                    id=f"wh_{self.project_id[-12:]}",
                    project_id=self.project_id,
                    target_url="https://example.com/project-hook",
                    events=("customer.created",),
                    active=True,
                    secret=self.webhook_secret,
                    created_at=now,
                )
            )
            await uow.integrations.put(
                ProviderConfig(
                    project_id=self.project_id,
                    provider="braze",
                    settings={"base_url": "https://rest.iad-01.braze.com"},
                    secrets={"api_key": self.api_key},
                ),
                now,
            )
            await uow.commit()

    async def read(self, container: Container) -> list[str]:
        """The secrets as the stores read them back, in the order of ``secrets``."""
        async with container.uow_factory(read_only=True) as uow:
            distribution = await uow.distributions.get(self.project_id, self.distribution_id)
            webhook = await uow.webhooks.get(self.project_id, f"wh_{self.project_id[-12:]}")
            config = await uow.integrations.get(self.project_id, "braze")
        assert distribution is not None
        assert webhook is not None
        assert config is not None
        channel = distribution.channels[0]
        assert isinstance(channel, WebhookChannel)
        return [
            channel.headers["Authorization"],
            channel.previous_secret or "",
            webhook.secret,
            config.secrets["api_key"],
            channel.secret,
        ]


async def raw_rows(container: Container, project_id: str) -> str:
    """The project's secret-holding rows as plain SQL returns them, as one text."""

    def read(conn: sa.Connection) -> str:
        return "\n".join(
            str(tuple(row))
            for table in TABLES
            for row in conn.execute(
                sa.text(f"SELECT * FROM {table} WHERE project_id = :p"), {"p": project_id}
            )
        )

    return await container.database.run_sync(read)


async def new_project(container: Container) -> str:
    issued = await create_project(container.uow_factory, container.clock, container.rng, "sec")
    return issued.project.id


async def test_secrets_are_sealed_in_the_rows_and_read_back_with_the_key(
    isolated_container: Container,
) -> None:
    async with keyed(isolated_container, KEY_1) as sealing:
        written = Written(await new_project(sealing), "a")
        await written.write(sealing)
        rows = await raw_rows(sealing, written.project_id)
        for secret in written.secrets:
            assert secret not in rows
        assert rows.count("enc:v1:") == 5  # header, secret, previous, webhook, api key
        assert "tenant-visible" in rows  # not a secret: stored as it is
        assert await written.read(sealing) == written.secrets
        await sealing.check_secrets()

    # Without the key, or with another one, nothing is read (and nothing sent): refused.
    with pytest.raises(SecretsUnavailable, match="not set"):
        await written.read(isolated_container)
    with pytest.raises(SecretsUnavailable):
        await isolated_container.check_secrets()
    async with keyed(isolated_container, KEY_2) as wrong:
        with pytest.raises(SecretsUnavailable, match="none of the keys"):
            await written.read(wrong)
        with pytest.raises(SecretsUnavailable):
            await wrong.check_secrets()


async def test_rotation_seals_everything_with_the_new_key_plain_rows_from_before_included(
    isolated_container: Container,
) -> None:
    # Rows from before a key was set, and rows sealed with the first key.
    plain = Written(await new_project(isolated_container), "plain")
    await plain.write(isolated_container)
    async with keyed(isolated_container, KEY_1) as first:
        old = Written(await new_project(first), "old")
        await old.write(first)
        assert await plain.read(first) == plain.secrets  # plain rows still read
        assert plain.authorization in await raw_rows(first, plain.project_id)

    progress: list[tuple[str, int]] = []
    async with keyed(isolated_container, KEY_2, KEY_1) as rotating:
        # One row per batch: each table is walked page by page (integrations by a 2-column key).
        done = await rotate_secrets(
            rotating.database, rotating.box, lambda table, n: progress.append((table, n)), batch=1
        )
    assert done == {"webhooks": 2, "integrations": 2, "distributions": 2}
    assert sorted(progress) == sorted((table, n) for table in TABLES for n in (1, 2))

    async with keyed(isolated_container, KEY_2) as second:  # the old key removed
        for written in (plain, old):
            assert await written.read(second) == written.secrets
            rows = await raw_rows(second, written.project_id)
            for secret in written.secrets:
                assert secret not in rows
        await second.check_secrets()
    async with keyed(isolated_container, KEY_1) as stale:
        with pytest.raises(SecretsUnavailable):
            await old.read(stale)


async def test_rotation_needs_a_key(isolated_container: Container) -> None:
    with pytest.raises(SecretsUnavailable, match="SENDOUT_ENCRYPTION_KEY"):
        await isolated_container.rotate_secrets(lambda table, n: None)
