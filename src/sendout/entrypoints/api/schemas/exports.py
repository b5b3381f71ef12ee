"""The bodies of ``POST /v1/exports`` and of the nested export routes (a voucher's, a
campaign's, a member's transactions; a program's point expirations; orders)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sendout.domain.exports import MAX_FIELDS

#: the most conditions ``filters`` may hold (each is one SQL condition of every batch)
MAX_FILTERS = 50


class ExportParameters(BaseModel):
    """What to export: columns (checked against the exported object by the domain), order,
    filters (``{<field>: {conditions: {$<op>: value}}, junction}``)."""

    order: str | None = Field(default=None, max_length=64)
    fields: list[str] | None = Field(default=None, max_length=MAX_FIELDS)
    filters: dict[str, Any] | None = Field(default=None, max_length=MAX_FILTERS)

    def as_request(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ExportBody(BaseModel):
    exported_object: str = Field(max_length=64)
    parameters: ExportParameters = Field(default_factory=ExportParameters)


class NestedExportBody(BaseModel):
    """The nested routes: the exported object is the route's."""

    parameters: ExportParameters = Field(default_factory=ExportParameters)
