"""A unit of work that lost a race on a unique key runs again, a few times at most."""

from __future__ import annotations

import pytest

from sendout.domain.errors import Conflict, NotFound
from sendout.services.retries import CONFLICT_ATTEMPTS, retry_on_conflict


class Flaky:
    def __init__(self, conflicts: int) -> None:
        self.conflicts = conflicts
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.conflicts:
            raise Conflict(details="Duplicate key in customers")
        return "done"


async def test_a_conflict_runs_the_operation_again() -> None:
    flaky = Flaky(conflicts=1)
    assert await retry_on_conflict(flaky) == "done"
    assert flaky.calls == 2


async def test_the_last_conflict_is_raised() -> None:
    flaky = Flaky(conflicts=CONFLICT_ATTEMPTS)
    with pytest.raises(Conflict):
        await retry_on_conflict(flaky)
    assert flaky.calls == CONFLICT_ATTEMPTS


async def test_other_errors_are_not_retried() -> None:
    calls = 0

    async def missing() -> None:
        nonlocal calls
        calls += 1
        raise NotFound.of("customer", "c1")

    with pytest.raises(NotFound):
        await retry_on_conflict(missing)
    assert calls == 1
