"""The documented answers of CSV exports."""

from __future__ import annotations

from typing import Any, Literal

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class ExportResult(TypedDict):
    """Where the finished file is: ``GET`` it with the ``token`` the URL carries."""

    url: str


class Export(TypedDict):
    """A CSV export (``exp_...``): SCHEDULED, IN_PROGRESS, then DONE (``result.url``) or
    ERROR."""

    id: str
    object: Literal["export"]
    created_at: str
    status: str
    channel: str
    result: ExportResult | None
    user_id: str | None
    exported_object: str
    parameters: dict[str, Any]
