"""The body of ``/v1/webhooks``: a project webhook."""

from __future__ import annotations

from pydantic import Field

from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
)
from sendout.services.pipeline.webhooks import WebhookDraft


class WebhookBody(NullMeansUnset):
    target_url: str = Field(min_length=1, max_length=2048)
    events: list[str] = Field(min_length=1)
    active: bool = True

    def to_draft(self) -> WebhookDraft:
        return WebhookDraft(target_url=self.target_url, events=self.events, active=self.active)
