"""What Sendout's handler writes, captured as it would reach a log shipper: the JSON
formatter and the context filter of ``configure_logging``, on a handler of the test's own."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sendout.log_context import LogContextFilter
from sendout.logs import log_formatter


class CapturedLog:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        """Each line, parsed: a line that is not one JSON object fails the test here."""
        return [json.loads(line) for line in self.text.splitlines()]

    def by(self, logger: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == logger]


@contextmanager
def captured_log(
    log_format: str = "json", level: int = logging.DEBUG, logger: str = "sendout"
) -> Iterator[CapturedLog]:
    captured = CapturedLog()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(log_formatter(log_format))
    handler.addFilter(LogContextFilter())
    target = logging.getLogger(logger)
    previous = target.level
    target.addHandler(handler)
    target.setLevel(level)
    try:
        yield captured
    finally:
        target.removeHandler(handler)
        target.setLevel(previous)
