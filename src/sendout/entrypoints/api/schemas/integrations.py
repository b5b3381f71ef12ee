"""The body of ``PUT /v1/integrations/{provider}``."""

from __future__ import annotations

from typing import Any

from pydantic import RootModel


class IntegrationBody(RootModel[dict[str, Any]]):
    """``PUT /v1/integrations/{provider}``: the provider's settings (checked against its
    fields; secrets may be left out to keep them)."""
