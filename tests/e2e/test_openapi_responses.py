"""Every answer a real scenario gets matches the schema ``/openapi.json`` documents for it.

The schemathesis contract test (tests/contract) mostly sends requests the API refuses; this
one makes one of everything (tests/e2e/everything.py), then calls every operation with the
project's own ids and plausible bodies (the cross-project matrix's table), so that each
operation's success answer, with real data, is checked against its documented schema.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import orjson

from tests.e2e.conftest import Api, Receiver, request
from tests.e2e.cross_project_calls import calls
from tests.e2e.everything import populate


def validator(document: dict[str, Any], method: str, route: str, status: int) -> Any:
    responses = document["paths"][route][method.lower()]["responses"]
    documented = responses.get(str(status))
    assert documented is not None, f"{method} {route}: {status} is not documented"
    if "content" not in documented:
        return None
    schema = documented["content"]["application/json"]["schema"]
    # The schema's $refs point into the document's components: validate within it.
    return jsonschema_rs.validator_for({**schema, "components": document["components"]})


def test_every_real_answer_matches_its_documented_schema(api: Api, receiver: Receiver) -> None:
    everything = populate(api, receiver, "doc")
    _, document = api.call("GET", "/openapi.json", authenticated=False)
    # Deletions last, so that everything else finds its objects.
    ordered = sorted(
        calls(api, everything, everything, receiver.url),
        key=lambda c: (c.method == "DELETE", "permanent" in c.route),
    )
    failures, succeeded = [], set()
    for call in ordered:
        body = None if call.body is None else orjson.dumps(call.body)
        headers = {"Content-Type": "application/json", **api.auth}
        status, _, content = request(api.server, call.method, call.path, body, headers)
        assert status < 500, (call.method, call.path, content[:300])
        check = validator(document, call.method, call.route, status)
        if check is None:
            continue
        errors = [e.message for e in check.iter_errors(orjson.loads(content))]
        if errors:
            failures.append(f"{call.method} {call.path} -> {status}: {errors[:3]}")
        if status < 300:
            succeeded.add((call.method, call.route))
    assert not failures, "\n".join(failures)
    # The scenario reaches most operations' success answers (not only their errors).
    assert len(succeeded) >= 110, len(succeeded)
