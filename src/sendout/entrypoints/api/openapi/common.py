"""Schemas every operation shares: the error object, list envelopes, the answer of an
operation that runs in the background, and the health probes."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Error(TypedDict):
    """Every error, Voucherify's way. ``key`` names the kind of error (absent on 401, as
    Voucherify's SDK documents it); ``details`` says what to change; ``request_id`` is the
    ``v-...`` id to quote. Errors about one resource also name it."""

    code: int
    key: NotRequired[str]
    message: str
    details: str | None
    request_id: str | None
    resource_id: NotRequired[str]
    resource_type: NotRequired[str]


class AsyncActionStarted(TypedDict):
    """The operation runs in the background: follow it at ``GET /v1/async-actions/{id}``."""

    async_action_id: str


class Health(TypedDict):
    status: Literal["ok"]
    version: str


class Readiness(TypedDict):
    """``ok``, or (with 503) ``unavailable`` and why: the database is ``unreachable`` or
    ``not_writable``."""

    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable", "not_writable"]


#: list envelopes that carry more than the usual fields
LIST_EXTRAS: dict[str, dict[str, Any]] = {
    "NotificationList": {"unread": {"type": "integer", "description": "unread notifications"}},
    "VoucherRedemptionList": {
        "quantity": {
            "type": ["integer", "null"],
            "description": "how many times it may be redeemed",
        },
        "redeemed_quantity": {"type": "integer"},
        "url": {"type": "string"},
    },
}


def list_schema(name: str, data_ref: str, item_ref: str) -> dict[str, Any]:
    """A Voucherify list: ``{object: "list", data_ref, <data_ref>: [...]}``, with ``total``
    on page-based lists and ``has_more`` / ``more_starting_after`` on cursor lists."""
    return {
        "title": name,
        "type": "object",
        "required": ["object", "data_ref", data_ref],
        "properties": {
            "object": {"const": "list"},
            "data_ref": {"const": data_ref},
            data_ref: {"type": "array", "items": {"$ref": item_ref}},
            "total": {"type": "integer", "minimum": 0},
            "has_more": {"type": "boolean"},
            "more_starting_after": {"type": "string"},
            **LIST_EXTRAS.get(name, {}),
        },
    }
