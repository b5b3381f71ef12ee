"""The services' unit tests run on the fakes of ``sendout.testing``: one in-memory database
per test, a clock that moves when told to, a seeded context."""

from __future__ import annotations

import pytest

from sendout.services.context import Context
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory, make_context


@pytest.fixture
def uow() -> InMemoryUnitOfWorkFactory:
    return InMemoryUnitOfWorkFactory()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ctx(clock: FakeClock) -> Context:
    return make_context(clock=clock)
