"""The body of ``POST /v1/qualifications``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from sendout.entrypoints.api.bounds import Int64
from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
    Timestamp,
)
from sendout.entrypoints.api.schemas.customers import CustomerBody


class QualificationOptions(NullMeansUnset):
    limit: Annotated[Int64, Field(ge=1, le=50)] = 5
    starting_after: Timestamp | None = None
    filters: dict[str, Any] | None = None
    expand: list[str] | None = None
    sorting_rule: str | None = None


class QualificationBody(NullMeansUnset):
    customer: CustomerBody | None = None
    order: dict[str, Any] | None = None
    scenario: str = "ALL"
    options: QualificationOptions | None = None
    tracking_id: str | None = None
    metadata: dict[str, Any] | None = None
