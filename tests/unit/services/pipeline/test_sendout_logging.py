"""A send-out's log fields: its project and id, and its distribution when it has one."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from sendout.domain.sendouts import SourceKind, SourceRef
from sendout.services.pipeline.sendout_logging import log_attempt, sendout_log_fields
from sendout.testing.transports import DOWN
from tests.factories.pipeline import Pipeline


async def test_a_distributions_sendout_names_it_a_webhooks_does_not(pipe: Pipeline) -> None:
    made = await pipe.distribution("https://hooks.example.com/a")
    await pipe.event()
    (sendout,) = pipe.sendouts()
    assert sendout_log_fields(sendout) == {
        "project_id": pipe.ctx.project_id,
        "sendout_id": sendout.id,
        "distribution_id": made.id,
    }
    webhooks = replace(sendout, source=SourceRef(SourceKind.WEBHOOK, "wh_1"))
    assert "distribution_id" not in sendout_log_fields(webhooks)


async def test_attempts_are_logged_at_debug_only(
    pipe: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    await pipe.distribution("https://hooks.example.com/a")
    await pipe.event()
    (sendout,) = pipe.sendouts()
    with caplog.at_level(logging.INFO, logger="sendout.worker"):
        log_attempt(sendout, DOWN)
    assert caplog.records == []
    with caplog.at_level(logging.DEBUG, logger="sendout.worker"):
        log_attempt(sendout, DOWN)
    (record,) = caplog.records
    assert f"send-out {sendout.id} attempt 1: failed (503)" in record.getMessage()
