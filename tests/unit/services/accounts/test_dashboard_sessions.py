"""Dashboard sessions on the in-memory fakes: opened with a key pair or the admin password,
found by token until they expire, switched between projects by an admin only."""

from __future__ import annotations

import pytest

from sendout.domain.errors import NotFound, Unauthorized
from sendout.domain.projects import IssuedKey
from sendout.domain.sessions import SESSION_TTL
from sendout.services.accounts import dashboard_sessions as svc
from sendout.services.accounts.projects import create_project
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory, seeded_rng

PASSWORD = "a-long-admin-password"


async def projects(uow: InMemoryUnitOfWorkFactory, clock: FakeClock, count: int) -> list[IssuedKey]:
    made = []
    for n in range(count):
        made.append(await create_project(uow, clock, seeded_rng(n), f"p{n}"))
        clock.advance(SESSION_TTL / 100)
    return made


async def test_a_key_pair_opens_a_session_of_its_project(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    (issued,) = await projects(uow, clock, 1)
    token, session = await svc.sign_in_with_keys(
        uow, clock, seeded_rng(), f" {issued.app_id} ", issued.app_token
    )
    assert (session.project_id, session.admin) == (issued.project.id, False)
    assert await svc.session_for(uow, clock, token) == session
    assert await svc.projects_for(uow, session) == [issued.project]
    with pytest.raises(Unauthorized):
        await svc.switch_project(uow, session, issued.project.id)
    with pytest.raises(Unauthorized):
        await svc.sign_in_with_keys(uow, clock, seeded_rng(), issued.app_id, "wrong")


async def test_a_session_ends_when_it_expires_or_signs_out(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    (issued,) = await projects(uow, clock, 1)
    token, _ = await svc.sign_in_with_keys(
        uow, clock, seeded_rng(1), issued.app_id, issued.app_token
    )
    other, _ = await svc.sign_in_with_keys(
        uow, clock, seeded_rng(2), issued.app_id, issued.app_token
    )
    assert await svc.session_for(uow, clock, None) is None
    assert await svc.session_for(uow, clock, "not-a-token") is None
    await svc.sign_out(uow, token)
    assert await svc.session_for(uow, clock, token) is None
    clock.advance(SESSION_TTL)
    assert await svc.session_for(uow, clock, other) is None
    await svc.sign_in_with_keys(uow, clock, seeded_rng(3), issued.app_id, issued.app_token)
    assert len(uow.data.sessions) == 1  # the expired one was swept on the way


async def test_the_admin_password_opens_the_oldest_project_and_may_switch(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock
) -> None:
    with pytest.raises(NotFound):
        await svc.sign_in_as_admin(uow, clock, seeded_rng(), PASSWORD, PASSWORD)
    first, second = await projects(uow, clock, 2)
    token, session = await svc.sign_in_as_admin(uow, clock, seeded_rng(), PASSWORD, PASSWORD)
    assert (session.project_id, session.admin) == (first.project.id, True)
    assert await svc.projects_for(uow, session) == [first.project, second.project]
    switched = await svc.switch_project(uow, session, second.project.id)
    assert switched.project_id == second.project.id
    stored = await svc.session_for(uow, clock, token)
    assert stored is not None
    assert stored.project_id == second.project.id
    with pytest.raises(NotFound):
        await svc.switch_project(uow, session, "proj_nope")


@pytest.mark.parametrize(("given", "expected"), [("wrong", PASSWORD), (PASSWORD, None), ("", "")])
async def test_a_wrong_or_unset_admin_password_opens_nothing(
    uow: InMemoryUnitOfWorkFactory, clock: FakeClock, given: str, expected: str | None
) -> None:
    await projects(uow, clock, 1)
    with pytest.raises(Unauthorized):
        await svc.sign_in_as_admin(uow, clock, seeded_rng(), given, expected)
    assert uow.data.sessions == {}


@pytest.mark.parametrize(
    ("expected", "given", "matches"),
    [
        ("ab12", "ab12", True),
        ("ab12", "ab13", False),
        ("ab12", None, False),
        (None, "ab12", False),
        ("ab12", "äb12", False),
        ("", "", False),
    ],
)
def test_tokens_match_only_when_equal_and_ascii(
    expected: str | None, given: str | None, matches: bool
) -> None:
    assert svc.tokens_match(expected, given) is matches
