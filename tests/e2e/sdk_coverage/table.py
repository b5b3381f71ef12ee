"""The walk table: one check per in-scope SDK method, with what Sendout does with it today.

A check calls its method through the SDK on the shared data set (``World``) and asserts the
values it must answer. ``missing`` (no route: the SDK raises its HTTP error) and ``wrong`` (an
answer whose values are wrong: an assertion fails) mark the issue-25 methods; the test turns
them into strict expected failures, so a method that starts working fails the suite until its
mark is removed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from voucherify.exceptions import ApiException

from tests.e2e.sdk_coverage import WALKS
from tests.e2e.sdk_coverage.world import World

WORKS, WRONG, MISSING = "works", "wrong values", "no route"


@dataclass(frozen=True)
class Check:
    method: str  # Class.method
    run: Callable[[World], None]
    status: str = WORKS
    reason: str = ""
    # What a failing check may raise: the SDK's HTTP error for a missing route, an assertion
    # for a wrong value; anything else is a real failure.
    raises: tuple[type[BaseException], ...] = ()


CHECKS: dict[str, Check] = {}


def check(
    method: str,
    *,
    missing: str = "",
    wrong: str = "",
    raises: tuple[type[BaseException], ...] = (),
) -> Callable[[Callable[[World], None]], Callable[[World], None]]:
    """Registers the decorated function as ``method``'s check."""

    def register(run: Callable[[World], None]) -> Callable[[World], None]:
        assert method not in CHECKS, f"{method} is checked twice"
        assert not (missing and wrong), method
        if missing:
            entry = Check(method, run, MISSING, missing, raises or (ApiException,))
        elif wrong:
            entry = Check(method, run, WRONG, wrong, raises or (AssertionError,))
        else:
            entry = Check(method, run)
        CHECKS[method] = entry
        return run

    return register


def all_checks() -> dict[str, Check]:
    """The whole table (importing the walk modules registers their checks)."""
    for name in WALKS:
        importlib.import_module(f"tests.e2e.sdk_coverage.{name}")
    return dict(sorted(CHECKS.items()))
