"""Provider configurations on the in-memory fakes: set (a secret left out keeps its value),
read, listed by provider, deleted; an unknown provider or setting is refused."""

from __future__ import annotations

import pytest

from sendout.adapters.channels.registry import channel_catalog
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.services.context import Context
from sendout.services.pipeline import integrations as svc
from sendout.testing import InMemoryUnitOfWorkFactory, make_context

CATALOG = channel_catalog()
BRAZE = {"api_key": "braze-key", "base_url": "https://rest.iad-01.braze.com"}


async def test_a_configuration_is_set_read_and_listed(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    spec, config = await svc.put_integration(uow, ctx, CATALOG, "braze", BRAZE)
    assert (spec.name, config.secrets["api_key"]) == ("braze", "braze-key")
    assert await svc.get_integration(uow, ctx, CATALOG, "braze") == (spec, config)
    assert await svc.list_integrations(uow, ctx, CATALOG) == [(spec, config)]
    assert await svc.list_integrations(uow, make_context("proj_other"), CATALOG) == []


async def test_a_secret_left_out_keeps_its_value(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    await svc.put_integration(uow, ctx, CATALOG, "braze", BRAZE)
    moved = {"base_url": "https://rest.fra-01.braze.eu"}
    _, config = await svc.put_integration(uow, ctx, CATALOG, "braze", moved)
    assert (config.secrets["api_key"], config.settings["base_url"]) == (
        "braze-key",
        "https://rest.fra-01.braze.eu",
    )


async def test_unknown_providers_settings_and_missing_ones_are_refused(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    with pytest.raises(NotFound):
        await svc.put_integration(uow, ctx, CATALOG, "carrier-pigeon", {})
    with pytest.raises(InvalidPayload):
        await svc.put_integration(uow, ctx, CATALOG, "braze", {**BRAZE, "colour": "red"})
    with pytest.raises(InvalidPayload):
        await svc.put_integration(uow, ctx, CATALOG, "braze", {"base_url": BRAZE["base_url"]})
    assert uow.data.integrations == {}


async def test_a_deleted_configuration_is_gone(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    await svc.put_integration(uow, ctx, CATALOG, "braze", BRAZE)
    await svc.delete_integration(uow, ctx, CATALOG, "braze")
    with pytest.raises(NotFound):
        await svc.get_integration(uow, ctx, CATALOG, "braze")
    with pytest.raises(NotFound):
        await svc.delete_integration(uow, ctx, CATALOG, "braze")
