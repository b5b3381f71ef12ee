"""The SDK coverage suite (issue 25): every in-scope method of the official SDK, one test each
(``test_sdk_method[backend-Class.method]``), against a running ``sendout serve`` on both
backends, asserting the values answered. The methods Sendout does not serve yet, or answers
wrongly, are strict expected failures; the terminal summary says how many work.
Scope and the out-of-scope classes: ``tests/e2e/sdk_coverage/__init__.py``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import orjson
import pytest
import voucherify

from sendout.bootstrap import Container
from sendout.services.accounts.projects import create_project
from tests.e2e.conftest import Api, Server, request
from tests.e2e.sdk_coverage import (
    IN_SCOPE,
    OUT_OF_SCOPE,
    api_classes,
    sdk_methods,
    sdk_route,
)
from tests.e2e.sdk_coverage.table import MISSING, WORKS, all_checks
from tests.e2e.sdk_coverage.tally import PLUGIN_NAME, Tally
from tests.e2e.sdk_coverage.world import World, build

CHECKS = all_checks()


def marked(method: str) -> object:
    entry = CHECKS[method]
    if entry.status == WORKS:
        return method
    mark = pytest.mark.xfail(
        strict=True, raises=entry.raises, reason=f"issue 25: {entry.status}: {entry.reason}"
    )
    return pytest.param(method, marks=mark, id=method)


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Tally:
    """The outcome counter, registered as a plugin once per session (before the data set is
    built, so a failing build is counted too)."""
    plugins = request.config.pluginmanager
    registered = plugins.get_plugin(PLUGIN_NAME)
    if registered is None:
        registered = Tally(CHECKS)
        plugins.register(registered, PLUGIN_NAME)
    assert isinstance(registered, Tally)
    return registered


@pytest.fixture(scope="module")
async def world(server: Server, container: Container) -> AsyncIterator[World]:
    """One project and one data set per backend, shared by every check of the module."""
    keys = await create_project(
        container.uow_factory, container.clock, container.rng, "sdk coverage"
    )
    config = voucherify.Configuration(
        host=server.url, api_key={"X-App-Id": keys.app_id, "X-App-Token": keys.app_token}
    )
    with voucherify.ApiClient(config) as sdk:
        yield build(Api(server, keys), sdk)


@pytest.mark.parametrize("method", [marked(m) for m in CHECKS])
def test_sdk_method(tally: Tally, world: World, method: str) -> None:
    CHECKS[method].run(world)


def test_every_in_scope_sdk_method_is_walked() -> None:
    """A method a new SDK adds to an in-scope class cannot go unchecked, and no check outlives
    its method."""
    assert sorted(CHECKS) == sdk_methods(IN_SCOPE)


def test_every_sdk_class_is_in_scope_or_out_of_scope_with_a_reason() -> None:
    assert sorted([*IN_SCOPE, *OUT_OF_SCOPE]) == api_classes()
    assert not set(IN_SCOPE) & set(OUT_OF_SCOPE)


def _template(path: str) -> str:
    """A path with its parameters blanked: ``/v1/vouchers/{code}`` and ``{voucherId}`` match."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _route(method: str) -> tuple[str, str]:
    verb, path = sdk_route(method)
    return verb, _template(path)


def test_scope_and_marks_agree_with_the_routes_sendout_serves(server: Server) -> None:
    """Out of scope means Sendout serves none of the class's paths; a method marked as having
    no route has none in /openapi.json (a route added must bring its check's mark down), and
    every other in-scope method has one."""
    status, _, body = request(server, "GET", "/openapi.json")
    assert status == 200
    served = {
        (verb.upper(), _template(path))
        for path, operations in orjson.loads(body)["paths"].items()
        for verb in operations
    }
    assert [m for m in sdk_methods(list(OUT_OF_SCOPE)) if _route(m) in served] == []
    routed = {m: _route(m) in served for m in CHECKS}
    assert [m for m, c in CHECKS.items() if routed[m] != (c.status != MISSING)] == []
