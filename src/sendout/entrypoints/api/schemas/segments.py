"""The body of ``POST /v1/segments``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sendout.domain.segments import SegmentType
from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
)
from sendout.services.customers.segments import SegmentDraft


class SegmentBody(NullMeansUnset):
    name: str = Field(min_length=1, max_length=200)
    type: SegmentType = Field(strict=False)
    #: static segments: the customers, by id or source_id
    customers: list[str] | None = None
    #: rule segments: ``{junction, <field>: {conditions: {$op: [values]}}}``
    filter: dict[str, Any] | None = None

    def to_draft(self) -> SegmentDraft:
        return SegmentDraft(
            name=self.name, type=self.type, customers=self.customers or (), filter=self.filter
        )
