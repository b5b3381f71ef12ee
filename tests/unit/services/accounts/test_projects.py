"""Projects and their API keys on the in-memory fakes."""

from __future__ import annotations

import pytest

from sendout.domain.errors import Unauthorized
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
