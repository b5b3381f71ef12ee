"""Projects and their key pairs: creation, the default project, authentication."""

from __future__ import annotations

import random

from sendout.domain.clock import Clock
from sendout.domain.errors import Unauthorized
from sendout.domain.ids import IdPrefix, new_id, new_secret
from sendout.domain.ports import UnitOfWorkFactory
from sendout.domain.projects import ApiKey, IssuedKey, Project, hash_token

DEFAULT_PROJECT_NAME = "Default project"
DEFAULT_KEY_NAME = "Default key"


async def create_project(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rng: random.Random,
    name: str,
    *,
    app_id: str | None = None,
    app_token: str | None = None,
) -> IssuedKey:
    """A new project with one key pair; the plain token is returned once and never stored."""
    now = clock.now()
    project = Project(id=new_id(IdPrefix.PROJECT, rng), name=name, created_at=now)
    app_id = app_id or new_secret(rng, 16)
    app_token = app_token or new_secret(rng, 32)
    async with uow_factory() as uow:
        await uow.projects.add(project)
        await uow.projects.add_key(
            ApiKey(
                app_id=app_id,
                project_id=project.id,
                name=DEFAULT_KEY_NAME,
                token_hash=hash_token(app_token),
                created_at=now,
            )
        )
        await uow.commit()
    return IssuedKey(project=project, app_id=app_id, app_token=app_token)


async def ensure_default_project(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rng: random.Random,
    *,
    app_id: str | None = None,
    app_token: str | None = None,
) -> IssuedKey | None:
    """On an empty database, the default project; else nothing.

    With ``app_id``/``app_token`` given (``SENDOUT_APP_ID``/``SENDOUT_APP_TOKEN``) the pair is
    made to exist whatever the database holds, so a developer's fixed keys always work; a
    known ``app_id`` with another token is refused rather than silently re-keyed.
    """
    async with uow_factory() as uow:
        existing = await uow.projects.get_key(app_id) if app_id else None
        count = await uow.projects.count()
    if existing is not None:
        if app_token is not None and not existing.accepts(app_token):
            raise Unauthorized(details=f"App id {app_id} exists with another token")
        return None
    if count > 0 and app_id is None:
        return None
    return await create_project(
        uow_factory, clock, rng, DEFAULT_PROJECT_NAME, app_id=app_id, app_token=app_token
    )


async def authenticate(uow_factory: UnitOfWorkFactory, app_id: str, app_token: str) -> ApiKey:
    async with uow_factory() as uow:
        key = await uow.projects.get_key(app_id)
    if key is None or not key.accepts(app_token):
        raise Unauthorized(details="Invalid X-App-Id or X-App-Token")
    return key
