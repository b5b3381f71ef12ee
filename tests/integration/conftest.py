"""Fixtures shared by the integration tests of the webhook transports."""

from __future__ import annotations

import pytest

from sendout.adapters.channels.http.http1 import Http1Sender
from sendout.adapters.channels.http.webhook import WebhookSender
from tests.factories.raw_http import Transport


@pytest.fixture(params=[Http1Sender, WebhookSender], ids=["http1", "aiohttp"])
def transport(request: pytest.FixtureRequest) -> Transport:
    """Every test of a transport runs against both (``SENDOUT_HTTP_CLIENT``)."""
    sender: Transport = request.param
    return sender
