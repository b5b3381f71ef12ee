"""Jobs whose work comes due by the day are not asked on every cycle of a busy lane."""

from __future__ import annotations

from sendout.jobs import at_most_every


async def test_an_idle_dated_job_waits_and_a_busy_one_drains() -> None:
    answers = [0, 3, 2, 0]
    calls: list[int] = []

    async def job() -> int:
        calls.append(1)
        return answers[len(calls) - 1] if len(calls) <= len(answers) else 0

    throttled = at_most_every(3600, job)
    assert await throttled() == 0  # nothing due: it waits an hour before asking again
    assert await throttled() == 0
    assert len(calls) == 1

    busy = at_most_every(3600, job)
    assert [await busy(), await busy(), await busy()] == [3, 2, 0]  # drains, then waits
    assert await busy() == 0
    assert len(calls) == 4
