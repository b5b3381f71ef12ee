"""Response schemas: integrations (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Integration(TypedDict):
    """A provider's configuration (secrets shown as set or not, never their values)."""

    provider: str | None
    label: str | None
    settings: dict[str, Any] | None
    secrets: dict[str, Any] | None
    object: Literal["integration"]


class ChannelKind(TypedDict):
    """A kind of channel a distribution can send through, with its settings."""

    type: str | None
    label: str | None
    provider: dict[str, Any] | None
    recipient: str | None
    settings: list[dict[str, Any]]
