"""The calls of the cross-project matrix (issue 20): every route of ``/openapi.json`` with
project A's values in its path, query and body, sent by project B and checked one by one,
and what A reads of its own objects; used by the matrix and the OpenAPI response checks."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from tests.e2e.conftest import Api, request
from tests.e2e.everything import DISCOUNT, Everything

#: Routes of the schema not walked, and why. (``/openapi.json``, ``/docs`` and the dashboard's
#: pages are not in the schema: they answer without an API key and hold no project's data, or
#: sign in apart, and are covered by their own tests.)
SKIPPED = {
    "/healthz": "liveness probe: answers without a key and holds no project data",
    "/readyz": "readiness probe: answers without a key and holds no project data",
}


#: path parameter -> the kind of object it names (Everything.ids' keys)
PATH_PARAMETERS = {
    "customer_id": "customer",
    "code": "code",
    "campaign_id": "campaign",
    "async_action_id": "async_action",
    "distribution_id": "distribution",
    "channel_id": "channel",
    "sendout_id": "sendout",
    "notification_id": "notification",
    "webhook_id": "webhook",
    "order_id": "order",
    "segment_id": "segment",
    "redemption_id": "redemption",
    "parent_id": "redemption",
    "member_id": "member",
    "program_id": "program",
    "assignment_id": "assignment",
    "pending_id": "pending",
    "tier_id": "tier",
    "promotion_tier_id": "promotion_tier",
    "rule_id": "rule",
    "reward_id": "reward",
    "provider": "provider",
    "holder_id": "holder",
    "session_key": "session",
    "export_id": "export",
}


#: query parameter -> the kind of object it filters by (others are left out)
QUERY_PARAMETERS = {
    "customer": "customer",
    "customer_id": "customer",
    "campaign": "campaign",
    "campaign_id": "campaign",
    "distribution_id": "distribution",
    "segment_id": "segment",
    "voucher": "code",
    "code": "code",
    "assignment_id": "assignment",
    "webhook_id": "webhook",
    "email": "email",
    "source_id": "source_id",
}


#: Path parameters that *name* something of the caller's own rather than find an object (a
#: new voucher's code, a provider's configuration): B may make its own there, as long as A's
#: stays as it was; the route's other parameters still must not reach A's objects.
NAMING = {
    ("POST", "/v1/vouchers/{code}"): "code",
    ("POST", "/v1/campaigns/{campaign_id}/vouchers/{code}"): "code",
    ("GET", "/v1/integrations/{provider}"): "provider",
    ("PUT", "/v1/integrations/{provider}"): "provider",
    ("DELETE", "/v1/integrations/{provider}"): "provider",
}


#: Collection routes whose bodies (below) name A's objects: each such call is a 404.
#: (``POST /v1/qualifications`` is not one: an unknown customer qualifies as a new one, and
#: its answer is checked for leaks like every other.)
_REFERENCES = {
    ("POST", "/v1/events"),
    ("POST", "/v1/publications"),
    ("POST", "/v1/vouchers"),
    ("POST", "/v1/campaigns"),
    ("POST", "/v1/distributions"),
    ("POST", "/v1/notifications/read"),
    ("POST", "/v1/orders"),
    ("POST", "/v1/segments"),
    ("POST", "/v1/redemptions"),
    ("POST", "/v1/rewards"),
}


#: Collection routes that answer 200 naming what B sent: ``POST /v1/validations`` answers a
#: code it cannot find as an inapplicable redeemable (Voucherify's shape), so A's code must
#: come back ``valid: false`` with ``not_found``, and nothing else of A's in the answer.
_NOT_FOUND_INSIDE = {("POST", "/v1/validations")}


def channel(url: str) -> list[dict[str, Any]]:
    return [{"event_name": "x", "url": url, "payload": '{"x": 1}'}]


def plain_distribution(url: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": "matrix",
        "trigger": {"event": "customer.custom_event", "custom_event": "matrix"},
        "action": {"type": "PLAIN"},
        "channels": channel(url),
        **fields,
    }


def bodies(a: Everything, url: str) -> dict[tuple[str, str], list[Any]]:
    """Plausible bodies by route; on collections, bodies naming A's objects (each a 404)."""
    customer, campaign, code = a.one("customer"), a.one("campaign"), a.one("code")
    fixed = {"type": "FIXED", "points": 5}
    return {
        ("POST", "/v1/events"): [{"event": "matrix", "customer": {"id": customer}}],
        ("POST", "/v1/publications"): [
            {"customer": {"id": customer}, "campaign": "x"},
            {"customer": {"source_id": "b-matrix"}, "campaign": campaign},
            {"customer": {"source_id": "b-matrix"}, "voucher": code},
        ],
        ("POST", "/v1/customers"): [{"source_id": "b-matrix", "email": "b-matrix@shop.test"}],
        ("PUT", "/v1/customers/{customer_id}"): [{"name": "Stolen"}],
        ("POST", "/v1/vouchers"): [{**DISCOUNT, "campaign_id": campaign}],
        ("PUT", "/v1/vouchers/{code}"): [{"metadata": {"stolen": True}}],
        ("PUT", "/v1/promotions/tiers/{promotion_tier_id}"): [{"banner": "stolen"}],
        ("POST", "/v1/promotions/{campaign_id}/tiers"): [{"name": "stolen"}],
        ("POST", "/v1/vouchers/{code}"): [DISCOUNT],
        ("POST", "/v1/vouchers/{code}/balance"): [{"amount": 100}],
        ("POST", "/v1/campaigns"): [
            {
                "name": "b-matrix referrals",
                "campaign_type": "REFERRAL_PROGRAM",
                "voucher": DISCOUNT,
                "referral_program": {
                    "referee_reward": {
                        "type": "LOYALTY_CARD",
                        "amount": 1,
                        "related_object_parent": {"id": a.one("program")},
                    }
                },
            }
        ],
        ("PUT", "/v1/campaigns/{campaign_id}"): [{"description": "stolen"}],
        ("POST", "/v1/campaigns/{campaign_id}/vouchers"): [{}],
        ("POST", "/v1/campaigns/{campaign_id}/vouchers/{code}"): [{}],
        ("POST", "/v1/campaigns/{campaign_id}/import"): [[{"code": "B-IMPORTED"}]],
        ("POST", "/v1/qualifications"): [{"customer": {"id": customer}}],
        ("POST", "/v1/distributions"): [
            plain_distribution(
                url, trigger={"event": "customer.segment.entered", "segment_id": a.one("segment")}
            ),
            plain_distribution(url, action={"type": "PUBLISH", "campaign_id": campaign}),
            plain_distribution(
                url, trigger={"event": "customer.publication.succeeded", "campaign_id": campaign}
            ),
            plain_distribution(
                url,
                action={
                    "type": "NOTIFY",
                    "campaign_id": a.ids["campaign"][1],
                    "promotion_tier_id": a.one("promotion_tier"),
                },
            ),
            plain_distribution(
                url,
                trigger={
                    "event": "customer.loyalty.tier.joined",
                    "campaign_id": a.one("program"),
                    "loyalty_tier_id": a.one("tier"),
                },
            ),
        ],
        ("PUT", "/v1/distributions/{distribution_id}"): [plain_distribution(url)],
        ("POST", "/v1/notifications/read"): [{"ids": [a.one("notification")]}],
        ("PUT", "/v1/notifications/settings"): [{"alert_email": None}],
        ("POST", "/v1/webhooks"): [{"target_url": url, "events": ["customer.created"]}],
        ("PUT", "/v1/webhooks/{webhook_id}"): [{"target_url": url, "events": ["customer.created"]}],
        ("POST", "/v1/orders"): [
            {"customer": {"id": customer}, "amount": 100},
            {"id": a.one("order"), "status": "CANCELED"},
        ],
        ("PUT", "/v1/orders/{order_id}"): [{"status": "CANCELED"}],
        ("POST", "/v1/segments"): [
            {"name": "b static", "type": "static", "customers": [customer]},
            {"name": "b static", "type": "static", "customers": ["a-alice"]},
        ],
        ("POST", "/v1/redemptions"): [
            {"redeemables": [{"object": "voucher", "id": code}]},
            {
                "redeemables": [{"object": "promotion_tier", "id": a.one("promotion_tier")}],
                "order": {"amount": 100},
            },
        ],
        ("POST", "/v1/validations"): [{"redeemables": [{"object": "voucher", "id": code}]}],
        ("POST", "/v1/loyalties/members/{member_id}/redemption"): [
            {"reward": {"id": a.one("reward")}}
        ],
        ("POST", "/v1/loyalties/{program_id}/members/{member_id}/redemption"): [
            {"reward": {"id": a.one("reward")}}
        ],
        ("POST", "/v1/loyalties/{program_id}/rewards"): [
            [{"reward": a.one("reward"), "parameters": {"loyalty": {"points": 1}}}]
        ],
        ("PUT", "/v1/loyalties/{program_id}/rewards/{assignment_id}"): [
            {"parameters": {"loyalty": {"points": 1}}}
        ],
        ("POST", "/v1/loyalties/members/{member_id}/pending-points/{pending_id}/balance"): [
            {"points": 1}
        ],
        ("POST", "/v1/loyalties/members/{member_id}/balance"): [{"points": 100}],
        ("POST", "/v1/loyalties/{program_id}/members/{member_id}/balance"): [{"points": 100}],
        ("PUT", "/v1/loyalties/{program_id}"): [{"description": "stolen"}],
        ("POST", "/v1/loyalties/{program_id}/members"): [
            {"customer": {"id": customer}},
            {"customer": {"source_id": "b-joiner"}},
        ],
        ("POST", "/v1/loyalties/{program_id}/tiers"): [
            [{"name": "Stolen", "points": {"from": 0, "to": None}}]
        ],
        ("POST", "/v1/loyalties/{program_id}/earning-rules"): [
            [{"event": "order.paid", "loyalty": fixed}]
        ],
        ("PUT", "/v1/loyalties/{program_id}/earning-rules/{rule_id}"): [{"loyalty": fixed}],
        ("POST", "/v1/rewards"): [{"name": "b", "parameters": {"campaign": {"id": campaign}}}],
        ("PUT", "/v1/rewards/{reward_id}"): [{"name": "stolen"}],
        ("POST", "/v1/rewards/{reward_id}/assignments"): [
            {"campaign": a.one("program"), "parameters": {"loyalty": {"points": 1}}}
        ],
        ("PUT", "/v1/rewards/{reward_id}/assignments/{assignment_id}"): [
            {"parameters": {"loyalty": {"points": 1}}}
        ],
        ("PUT", "/v1/integrations/{provider}"): [
            {"api_key": "b-key", "base_url": "https://rest.iad-01.braze.com"}
        ],
    }


@dataclass(frozen=True)
class Call:
    method: str
    route: str
    path: str
    body: Any
    #: the values of A that B put in this call (an error may repeat them)
    sent: frozenset[str]
    #: whether a path parameter finds one of A's objects (the answer must be 404 or 400)
    reaches_a: bool
    #: whether a path parameter names something B may make its own (sorted last)
    names_own: bool


def routes(api: Api) -> Iterator[tuple[str, str, dict[str, Any]]]:
    status, spec = api.call("GET", "/openapi.json", authenticated=False)
    assert status == 200
    for route, operations in sorted(spec["paths"].items()):
        if route in SKIPPED:
            continue
        for method, operation in operations.items():
            yield method.upper(), route, operation


def parameters(operation: dict[str, Any], where: str) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == where]


def path_values(
    route: str, names: list[str], a: Everything, b: Everything | None = None
) -> Iterator[tuple[dict[str, str], frozenset[str]]]:
    """Every combination of A's objects in the path's parameters, then (given B) B's parent
    with A's child (an outsider reaching in through an object of its own)."""
    unknown = [name for name in names if name not in PATH_PARAMETERS]
    assert not unknown, f"{route}: add {unknown} to PATH_PARAMETERS (the kind each names)"
    kinds = [PATH_PARAMETERS[name] for name in names]
    for values in itertools.product(*(a.ids[kind] for kind in kinds)):
        yield dict(zip(names, values, strict=True)), frozenset(values)
    if b is not None and len(names) == 2:
        for values in itertools.product(b.ids[kinds[0]], a.ids[kinds[1]]):
            yield dict(zip(names, values, strict=True)), frozenset(values)


def calls(api: Api, a: Everything, b: Everything, url: str) -> Iterator[Call]:
    body_table = bodies(a, url)
    for method, route, operation in routes(api):
        body = body_table.get((method, route), [{}] if method in ("POST", "PUT") else [None])
        naming = NAMING.get((method, route))
        for values, sent in path_values(route, parameters(operation, "path"), a, b):
            path = fill(route, values)
            found = {v for k, v in values.items() if k != naming} & a.private
            call = Call(method, route, path, None, sent, bool(found), naming is not None)
            for each in body:
                yield replace(call, body=each, sent=sent | _values_in(each, a))
            if method != "GET":
                continue
            for name in parameters(operation, "query"):
                kind = QUERY_PARAMETERS.get(name)
                for value in a.ids.get(kind or "", [])[:2]:
                    query = urlencode({name: value})
                    yield replace(call, path=f"{path}?{query}", sent=sent | {value})


def _values_in(body: Any, a: Everything) -> frozenset[str]:
    text = orjson.dumps(body).decode()
    return frozenset(value for value in a.private if value in text)


def walk(b_api: Api, a: Everything, b: Everything, url: str) -> tuple[int, int, set[str]]:
    """B's calls, checked one by one: the routes walked, the calls made, the failures."""
    walked: set[tuple[str, str]] = set()
    failures: set[str] = set()
    # Routes that name B's own objects go last: what B makes there must not make a later
    # answer look like a leak.
    ordered = sorted(calls(b_api, a, b, url), key=lambda c: c.names_own)
    for call in ordered:
        walked.add((call.method, call.route))
        status, text = _send(b_api, call)
        where = f"{call.method} {call.path} {orjson.dumps(call.body).decode()[:120]} -> {status}"
        if status >= 500:
            failures.add(f"{where}: server error {text[:200]}")
        if call.reaches_a and status not in (400, 404):
            failures.add(f"{where}: expected 404 (or 400), {text[:200]}")
        if not call.route.count("{") and call.sent and (call.method, call.route) in _REFERENCES:
            if status != 404:
                failures.add(f"{where}: a body naming A's objects must be 404, {text[:200]}")
        if (call.method, call.route) in _NOT_FOUND_INSIDE and call.sent:
            answer = orjson.loads(text) if status == 200 else {}
            keys = {r["result"]["error"]["key"] for r in answer.get("inapplicable_redeemables", [])}
            if answer.get("valid") is not False or keys != {"not_found"}:
                failures.add(f"{where}: expected valid false, not_found: {text[:200]}")
        inside = (call.method, call.route) in _NOT_FOUND_INSIDE
        echoed = call.sent if status >= 400 or call.names_own or inside else set()
        leaked = sorted(v for v in a.private - echoed if v in text)
        if leaked:
            failures.add(f"{where}: leaks {leaked}: {text[:300]}")
    return len(walked), len(ordered), failures


def _send(api: Api, call: Call) -> tuple[int, str]:
    body = None if call.body is None else orjson.dumps(call.body)
    headers = {"Content-Type": "application/json", **api.auth}
    status, _, content = request(api.server, call.method, call.path, body, headers)
    return status, content.decode(errors="replace")


def fill(route: str, values: dict[str, str]) -> str:
    return route.format(**{name: quote(value, safe="") for name, value in values.items()})


def everything_of(api: Api, a: Everything) -> tuple[dict[str, Any], set[str]]:
    """What A reads on every GET route with its own objects, and the routes where it read
    something (so that "unchanged" is not said of nothing)."""
    seen, found = {}, set()
    for method, route, operation in routes(api):
        if method != "GET":
            continue
        for values, _ in path_values(route, parameters(operation, "path"), a):
            path = fill(route, values)
            status, _, content = request(api.server, "GET", path, None, api.auth)
            # An error's body carries its own request id: its status is what to compare.
            seen[path] = (status, content if status < 400 else None)
            if status == 200 and values:
                found.add(route)
    return seen, found
