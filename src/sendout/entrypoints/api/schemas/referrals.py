"""The body of ``POST /v1/referrals/…/members/{memberId}/holders``: customers to add to a
referral code."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sendout.domain.customers import CustomerRef
from sendout.domain.referral_holders import MAX_HOLDERS_PER_REQUEST
from sendout.entrypoints.api.schemas.common import NullMeansUnset
from sendout.entrypoints.api.schemas.customers import CustomerBody


class HoldersBody(NullMeansUnset):
    """``holders``: each by ``id`` or ``source_id``, created or updated from its fields;
    ``metadata``: given to every holder added."""

    holders: list[CustomerBody] = Field(min_length=1, max_length=MAX_HOLDERS_PER_REQUEST)
    metadata: dict[str, Any] | None = None

    def customers(self) -> list[CustomerRef]:
        return [holder.to_ref() for holder in self.holders]
