"""Bodies of ``/v1/notifications``: marking read and the alert settings."""

from __future__ import annotations

from pydantic import Field

from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
)


class AlertSettingsBody(NullMeansUnset):
    #: where alert emails go; null: the operator's default (SENDOUT_ALERT_EMAIL)
    alert_email: str | None = Field(default=None, max_length=254)


class MarkReadBody(NullMeansUnset):
    #: the notifications to mark read; absent: every unread one
    ids: list[str] | None = Field(default=None, max_length=1000)
