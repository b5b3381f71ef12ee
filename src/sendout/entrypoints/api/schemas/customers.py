"""Bodies of ``/v1/customers`` (and the customer other bodies name)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from sendout.domain.customers import EDITABLE_FIELDS, CustomerRef
from sendout.entrypoints.api.schemas.common import (
    Body,
)


class AddressBody(Body):
    city: str | None = None
    state: str | None = None
    line_1: str | None = None
    line_2: str | None = None
    country: str | None = None
    postal_code: str | None = None


class CustomerUpdateBody(Body):
    """The editable customer fields; only those sent are changed."""

    name: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=10_000)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    # JSON has no date type: dates arrive as "YYYY-MM-DD" text, which strict mode refuses.
    birthdate: date | None = Field(default=None, strict=False)
    birthday: date | None = Field(
        default=None, strict=False, description="Deprecated: use birthdate."
    )
    address: AddressBody | None = None
    metadata: dict[str, Any] | None = None

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name in self.model_fields_set & set(EDITABLE_FIELDS):
            value = getattr(self, name)
            if name == "address" and value is not None:
                value = value.model_dump(exclude_unset=True)
            elif name == "metadata" and value is None:
                value = {}
            changes[name] = value
        return changes


class CustomerBody(CustomerUpdateBody):
    """A customer by ``id`` or ``source_id``, with fields to create or update."""

    id: str | None = Field(default=None, min_length=1, max_length=64)
    source_id: str | None = Field(default=None, min_length=1, max_length=255)

    def to_ref(self) -> CustomerRef:
        return CustomerRef(id=self.id, source_id=self.source_id, fields=self.changes())
