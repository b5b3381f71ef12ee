"""Logged exceptions keep their classes and frames, never their messages."""

from __future__ import annotations

import io
import logging

import pytest

from sendout.entrypoints.worker import Worker
from sendout.logs import ValuelessFormatter, valueless_traceback
from tests.factories.logs import SECRET, refuse, store


def failure() -> BaseException:
    try:
        store(SECRET)
    except RuntimeError as exc:
        return exc
    raise AssertionError("store did not fail")


def test_a_chained_failure_keeps_classes_and_frames_but_not_messages() -> None:
    text = valueless_traceback(failure())
    assert SECRET not in text
    assert text.index("\nValueError\n") < text.index("direct cause") < text.index("RuntimeError")
    assert text.endswith("\nRuntimeError")
    assert "in refuse" in text
    assert "in store" in text


def test_an_exception_caught_while_handling_another_keeps_both() -> None:
    try:
        try:
            refuse(SECRET)
        except ValueError:
            {}[SECRET]
    except KeyError as exc:
        text = valueless_traceback(exc)
    assert SECRET not in text
    assert "During handling of the above exception" in text
    assert text.endswith("\nKeyError")


def test_a_group_lists_each_of_its_failures() -> None:
    group = ExceptionGroup(SECRET, [failure(), OSError(SECRET)])
    text = valueless_traceback(group)
    assert SECRET not in text
    assert "ExceptionGroup" in text
    assert "| RuntimeError" in text
    assert "| OSError" in text


def test_the_formatter_drops_messages_of_any_logged_exception() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(ValuelessFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    try:
        try:
            store(SECRET)
        except RuntimeError:
            logger.exception("job failed")
    finally:
        logger.removeHandler(handler)
    assert out.getvalue().startswith("ERROR job failed\nTraceback")
    assert SECRET not in out.getvalue()
    assert out.getvalue().rstrip().endswith("RuntimeError")


async def test_a_failing_worker_job_is_logged_without_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def failing() -> int:
        store(SECRET)
        return 0

    async def stopping() -> int:
        worker.stop()
        return 0

    worker = Worker([("failing", failing), ("stopping", stopping)])
    with caplog.at_level(logging.ERROR, logger="sendout.worker"):
        await worker.run()
    (record,) = caplog.records
    assert record.getMessage().startswith("worker job failing failed\nTraceback")
    assert record.getMessage().endswith("\nRuntimeError")
    assert SECRET not in caplog.text
