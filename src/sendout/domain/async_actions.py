"""Async actions: long operations run by the worker, with progress a client can poll."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none


class AsyncActionType(StrEnum):
    VOUCHERS_GENERATE = "CAMPAIGN.VOUCHERS_GENERATE"
    VOUCHERS_IMPORT = "CAMPAIGN.VOUCHERS_IMPORT"
    CAMPAIGN_DELETE = "CAMPAIGN.DELETE"
    CAMPAIGN_VOUCHERS_IMPORT_CSV = "CAMPAIGN.VOUCHERS_IMPORT_CSV"
    #: standalone codes from a JSON list or a CSV file
    STANDALONE_VOUCHERS_IMPORT = "VOUCHERS.IMPORT"
    STANDALONE_VOUCHERS_IMPORT_CSV = "VOUCHERS.IMPORT_CSV"
    VOUCHERS_BULK_UPDATE = "VOUCHERS.BULK_UPDATE"
    VOUCHERS_METADATA_UPDATE = "VOUCHERS.METADATA_UPDATE"
    CUSTOMERS_IMPORT_CSV = "CUSTOMERS.IMPORT_CSV"
    CUSTOMERS_BULK_UPDATE = "CUSTOMERS.BULK_UPDATE"
    CUSTOMERS_METADATA_UPDATE = "CUSTOMERS.METADATA_UPDATE"
    #: a new rule segment evaluated over the existing customers
    SEGMENT_SYNC = "SEGMENT.INITIAL_SYNC"
    #: historical orders imported, one row per step (``POST /v1/orders/import``)
    ORDERS_IMPORT = "ORDERS.IMPORT"
    #: a CSV export (``domain/exports.py``): shown as an export, never as an async action
    EXPORT = "EXPORT"


class AsyncStatus(StrEnum):
    ENQUEUED = "ENQUEUED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True, kw_only=True)
class AsyncAction:
    id: str
    project_id: str
    type: AsyncActionType
    status: AsyncStatus = AsyncStatus.ENQUEUED
    #: what to do, as the request described it (resumable: nothing lives only in memory)
    request: Mapping[str, Any] = field(default_factory=dict)
    #: how much is done, in the action's own unit (codes made, rows deleted)
    done: int = 0
    total: int = 0
    result: Mapping[str, Any] | None = None
    #: a worker holds the action until this moment; after it, another may take it over
    lease_until: datetime | None = None
    created_at: datetime
    updated_at: datetime | None = None
    #: the fencing token of the worker's claim: its steps commit only while it is current
    lease_token: str | None = None

    @property
    def progress(self) -> int:
        """Percent done, 0-100."""
        if self.status is AsyncStatus.DONE:
            return 100
        return 0 if self.total == 0 else min(100, self.done * 100 // self.total)


def async_action_object(action: AsyncAction) -> dict[str, Any]:
    finished = action.status in (AsyncStatus.DONE, AsyncStatus.FAILED)
    processing_ms = (
        int((action.updated_at - action.created_at).total_seconds() * 1000)
        if finished and action.updated_at
        else None
    )
    return {
        "id": action.id,
        "type": action.type.value,
        "status": action.status.value,
        "operation_status": {
            AsyncStatus.DONE: "SUCCESS",
            AsyncStatus.FAILED: "FAILED",
        }.get(action.status, "UNKNOWN"),
        "created_at": iso(action.created_at),
        "updated_at": iso_or_none(action.updated_at),
        "processing_time": processing_ms,
        "progress": action.progress,
        "result": None if action.result is None else dict(action.result),
        "object": "async_action",
    }
