"""Signing in to the dashboard: with a project's key pair, or with the operator's admin
password (``SENDOUT_ADMIN_PASSWORD``), which may then pick any project."""

from __future__ import annotations

import hmac
import random
import secrets
from dataclasses import replace

from sendout.domain.clock import Clock
from sendout.domain.errors import NotFound, Unauthorized
from sendout.domain.ports import UnitOfWorkFactory
from sendout.domain.projects import Project, hash_token
from sendout.domain.sessions import SESSION_TOKEN_BYTES, SESSION_TTL, DashboardSession
from sendout.services.accounts.projects import authenticate

MAX_PROJECTS_LISTED = 200


async def _open(
    uow_factory: UnitOfWorkFactory, clock: Clock, rng: random.Random, project_id: str, admin: bool
) -> tuple[str, DashboardSession]:
    token = rng.randbytes(SESSION_TOKEN_BYTES).hex()
    now = clock.now()
    session = DashboardSession(
        token_hash=hash_token(token),
        project_id=project_id,
        admin=admin,
        csrf_token=rng.randbytes(SESSION_TOKEN_BYTES).hex(),
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    async with uow_factory() as uow:
        await uow.sessions.remove_expired(now)
        await uow.sessions.add(session)
        await uow.commit()
    return token, session


async def sign_in_with_keys(
    uow_factory: UnitOfWorkFactory, clock: Clock, rng: random.Random, app_id: str, app_token: str
) -> tuple[str, DashboardSession]:
    key = await authenticate(uow_factory, app_id.strip(), app_token.strip())
    return await _open(uow_factory, clock, rng, key.project_id, admin=False)


async def sign_in_as_admin(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rng: random.Random,
    password: str,
    expected: str | None,
) -> tuple[str, DashboardSession]:
    """The operator's password (compared in constant time) opens the oldest project."""
    if not expected or not hmac.compare_digest(password.encode(), expected.encode()):
        raise Unauthorized(details="Wrong admin password (or none is set)")
    async with uow_factory() as uow:
        first = await uow.projects.oldest(1)
    if not first:
        raise NotFound(details="There is no project yet: create one with `sendout project create`")
    return await _open(uow_factory, clock, rng, first[0].id, admin=True)


async def session_for(
    uow_factory: UnitOfWorkFactory, clock: Clock, token: str | None
) -> DashboardSession | None:
    if not token:
        return None
    async with uow_factory() as uow:
        session = await uow.sessions.get(hash_token(token))
    if session is None or not session.valid_at(clock.now()):
        return None
    return session


async def sign_out(uow_factory: UnitOfWorkFactory, token: str) -> None:
    async with uow_factory() as uow:
        await uow.sessions.remove(hash_token(token))
        await uow.commit()


async def projects_for(uow_factory: UnitOfWorkFactory, session: DashboardSession) -> list[Project]:
    """The projects the session may switch between: all for an admin, its own otherwise."""
    async with uow_factory() as uow:
        if session.admin:
            return list(await uow.projects.oldest(MAX_PROJECTS_LISTED))
        own = await uow.projects.get(session.project_id)
    return [] if own is None else [own]


async def switch_project(
    uow_factory: UnitOfWorkFactory, session: DashboardSession, project_id: str
) -> DashboardSession:
    if not session.admin:
        raise Unauthorized(details="Only an admin session can switch projects")
    async with uow_factory() as uow:
        if await uow.projects.get(project_id) is None:
            raise NotFound.of("project", project_id)
        await uow.sessions.set_project(session.token_hash, project_id)
        await uow.commit()
    return replace(session, project_id=project_id)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Two tokens compared in constant time. Tokens are hex: anything that is not ASCII (which
    ``compare_digest`` refuses to compare, with a TypeError) simply does not match."""
    if not expected or given is None or not (expected.isascii() and given.isascii()):
        return False
    return secrets.compare_digest(expected, given)


def csrf_matches(session: DashboardSession, given: str | None) -> bool:
    return tokens_match(session.csrf_token, given)
