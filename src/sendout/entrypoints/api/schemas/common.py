"""Shared pieces of the request body models: the strict base, the base whose ``null``
fields count as not sent, timestamps and the validity fields campaigns and codes share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sendout.domain.bounds import MAX_REDEMPTION_QUANTITY
from sendout.entrypoints.api.bounds import Int64


class Body(BaseModel):
    """Strict (a number where text belongs is refused, not converted); unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class NullMeansUnset(Body):
    """A body whose ``null`` fields count as not sent: the official SDK sends ``null`` for a
    nullable field the caller set to ``None``. (Update bodies keep ``null`` = clear.)"""

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


#: An ISO 8601 timestamp (JSON text, so not strict); a missing zone means UTC.
Timestamp = Annotated[datetime, Field(strict=False), AfterValidator(_as_utc)]


class RedemptionBody(Body):
    quantity: Annotated[Int64, Field(ge=1, le=MAX_REDEMPTION_QUANTITY)] | None = None


class ValidityFields(Body):
    #: fields that cannot be cleared: ``null`` there counts as not sent (the official SDK's
    #: ``from_dict`` bodies send ``null`` for every field the caller left out)
    NOT_CLEARABLE: ClassVar[frozenset[str]] = frozenset()

    start_date: Timestamp | None = None
    expiration_date: Timestamp | None = None
    validity_timeframe: dict[str, Any] | None = None
    validity_day_of_week: list[Int64] | None = None
    validity_hours: dict[str, Any] | None = None

    def sent(self) -> dict[str, Any]:
        """The fields the client sent, as plain values (nested models as dicts); ``null``
        clears a field, except those in ``NOT_CLEARABLE``, where it counts as not sent."""
        return {
            name: value.model_dump(exclude_unset=True) if isinstance(value, BaseModel) else value
            for name in self.model_fields_set
            for value in [getattr(self, name)]
            if value is not None or name not in self.NOT_CLEARABLE
        }
