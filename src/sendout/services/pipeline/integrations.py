"""A project's provider configurations (``/v1/integrations``): the SMTP server, SMS and CRM
accounts its message channels send through. Secrets are stored and used, never shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendout.domain.channels import ChannelCatalog, ProviderConfig, ProviderSpec, parse_config
from sendout.domain.errors import NotFound
from sendout.domain.ports import UnitOfWorkFactory
from sendout.services.context import Context


def _spec(catalog: ChannelCatalog, provider: str) -> ProviderSpec:
    spec = catalog.provider(provider)
    if spec is None:
        raise NotFound.of("integration provider", provider)
    return spec


async def list_integrations(
    uow_factory: UnitOfWorkFactory, ctx: Context, catalog: ChannelCatalog
) -> list[tuple[ProviderSpec, ProviderConfig]]:
    async with uow_factory() as uow:
        configs = await uow.integrations.list(ctx.project_id)
    return [
        (spec, config)
        for config in configs
        if (spec := catalog.provider(config.provider)) is not None
    ]


async def get_integration(
    uow_factory: UnitOfWorkFactory, ctx: Context, catalog: ChannelCatalog, provider: str
) -> tuple[ProviderSpec, ProviderConfig]:
    spec = _spec(catalog, provider)
    async with uow_factory() as uow:
        config = await uow.integrations.get(ctx.project_id, spec.name)
    if config is None:
        raise NotFound.of("integration", provider)
    return spec, config


async def put_integration(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    catalog: ChannelCatalog,
    provider: str,
    raw: Mapping[str, Any],
) -> tuple[ProviderSpec, ProviderConfig]:
    """Set the project's configuration of ``provider``; a secret left out keeps its value."""
    spec = _spec(catalog, provider)
    async with uow_factory() as uow:
        current = await uow.integrations.get(ctx.project_id, spec.name)
        settings, secrets = parse_config(spec, raw, current, targets=catalog.targets)
        config = ProviderConfig(
            project_id=ctx.project_id, provider=spec.name, settings=settings, secrets=secrets
        )
        await uow.integrations.put(config, ctx.now())
        await uow.commit()
    return spec, config


async def delete_integration(
    uow_factory: UnitOfWorkFactory, ctx: Context, catalog: ChannelCatalog, provider: str
) -> None:
    spec, _ = await get_integration(uow_factory, ctx, catalog, provider)
    async with uow_factory() as uow:
        await uow.integrations.remove(ctx.project_id, spec.name)
        await uow.commit()
