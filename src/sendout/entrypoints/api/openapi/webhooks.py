"""Response schemas: webhooks (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class ProjectWebhook(TypedDict):
    """A project webhook (``wh_...``): Voucherify's project-level event notifications."""

    id: str
    object: Literal["webhook"]
    created_at: str
    updated_at: str | None
    target_url: str | None
    events: list[str]
    active: bool
    disabled_reason: str | None
    #: only in the answers to create and update, when its host name cannot be delivered to now
    #: (it resolves only to refused addresses, or not at all)
    warnings: NotRequired[list[str]]


class SigningSecret(TypedDict):
    """A webhook's or a webhook channel's signing secret; after a rotation the previous
    one keeps signing until ``previous_secret_expires_at``."""

    object: Literal["webhook_secret"]
    webhook_id: str | None
    secret: str | None
    previous_secret: str | None
    previous_secret_expires_at: str | None
    rotated_at: str | None
