"""The cross-project matrix (issue 20): project B walks every route of ``/openapi.json`` with
project A's ids, codes and references, and learns or changes nothing of A's.

A makes one of everything (tests/e2e/everything.py), and so does B, so that B can also aim at
A's objects through its own (``/v1/loyalties/{B's program}/members/{A's card}``). For each
route and method B sends A's values in every path parameter (the kind of object a parameter
names comes from PATH_PARAMETERS: a route with a parameter the table does not know fails the
test, so new routes are covered), A's ids in every query filter the table knows, and a
plausible body, often naming A's objects. Then:

- nothing answers 5xx;
- a route reaching one of A's objects by its path answers 404 (or 400 for a body it refuses),
  never 2xx; a body naming A's objects in a create is 404;
- no answer to B holds any of A's ids, codes, source ids, emails or secrets (an error may
  repeat what B itself sent);
- A re-reads everything (every GET route, with its own ids) and finds it as it was.
"""

from __future__ import annotations

from tests.e2e.conftest import Api, Receiver
from tests.e2e.cross_project_calls import (
    SKIPPED,
    everything_of,
    parameters,
    routes,
    walk,
)
from tests.e2e.everything import populate


def test_another_projects_ids_reach_nothing_on_any_route(
    api: Api, other_api: Api, receiver: Receiver
) -> None:
    a = populate(api, receiver, "a")
    b = populate(other_api, receiver, "b")
    before, read = everything_of(api, a)
    with_ids = {r for m, r, op in routes(api) if m == "GET" and parameters(op, "path")}
    assert read == with_ids, f"A cannot read its own {sorted(with_ids - read)}"

    walked, made, failures = walk(other_api, a, b, receiver.url)

    summary = f"{walked} routes walked in {made} calls, {len(SKIPPED)} skipped"
    assert not failures, f"{len(failures)} failures ({summary}):\n" + "\n".join(sorted(failures))
    after, _ = everything_of(api, a)
    changed = sorted(path for path in before if after[path] != before[path])
    assert not changed, f"A's objects changed by B's walk: {changed}"
    print(f"cross-project matrix: {summary}, 0 leaks")
