"""Projects and their API keys on the in-memory fakes."""

from __future__ import annotations

import pytest

from sendout.domain.errors import Conflict, Unauthorized
from sendout.services.accounts.projects import authenticate, create_project, ensure_default_project
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory, seeded_rng


async def test_projects_authenticate_only_with_their_own_token(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    clock, rng = FakeClock(), seeded_rng()
    issued = await create_project(uow, clock, rng, "p")
    key = await authenticate(uow, issued.app_id, issued.app_token)
    assert key.project_id == issued.project.id
    with pytest.raises(Unauthorized):
        await authenticate(uow, issued.app_id, "wrong")
    with pytest.raises(Unauthorized):
        await authenticate(uow, "unknown", issued.app_token)


async def test_the_default_project_is_made_once_and_fixed_keys_are_honoured(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    clock, rng = FakeClock(), seeded_rng()
    assert await ensure_default_project(uow, clock, rng) is not None
    assert await ensure_default_project(uow, clock, rng) is None
    fixed = await ensure_default_project(uow, clock, rng, app_id="dev-id", app_token="dev-token")
    assert fixed is not None
    assert fixed.app_id == "dev-id"
    assert (
        await ensure_default_project(uow, clock, rng, app_id="dev-id", app_token="dev-token")
        is None
    )
    with pytest.raises(Unauthorized):
        await ensure_default_project(uow, clock, rng, app_id="dev-id", app_token="other")


async def test_a_project_gets_one_key_whose_token_is_only_hashed(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    issued = await create_project(uow, FakeClock(), seeded_rng(), "Shop")
    assert issued.project.id.startswith("proj_")
    (key,) = uow.data.keys.values()
    assert (key.app_id, key.project_id) == (issued.app_id, issued.project.id)
    assert issued.app_token not in key.token_hash
    assert uow.data.projects == {issued.project.id: issued.project}


async def test_a_taken_app_id_makes_no_project(uow: InMemoryUnitOfWorkFactory) -> None:
    await create_project(uow, FakeClock(), seeded_rng(1), "a", app_id="fixed")
    with pytest.raises(Conflict):
        await create_project(uow, FakeClock(), seeded_rng(2), "b", app_id="fixed")
    assert [p.name for p in uow.data.projects.values()] == ["a"]


async def test_no_default_project_is_made_beside_another(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    await create_project(uow, FakeClock(), seeded_rng(1), "mine")
    assert await ensure_default_project(uow, FakeClock(), seeded_rng(2)) is None
    assert len(uow.data.projects) == 1
