"""What a log line is about: the request, project, send-out and distribution being handled.

Bound once where the work starts (the request middleware, authentication, the sender's
attempt task) in a ``ContextVar`` rather than passed through every function: asyncio copies
the context into each task, so every line logged while handling a request or an attempt,
by our code or a library's, carries its ids, and concurrent requests never see each other's.
``LogContextFilter`` (on the handler) copies them onto each record for the formatters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

#: the fields a line may carry, in the order the formatters print them
CONTEXT_FIELDS = ("request_id", "project_id", "sendout_id", "distribution_id")

_NONE: Mapping[str, str] = MappingProxyType({})
_fields: ContextVar[Mapping[str, str]] = ContextVar("sendout_log_fields", default=_NONE)


def _merged(fields: Mapping[str, str | None]) -> Mapping[str, str]:
    current = _fields.get()
    return {**current, **{name: value for name, value in fields.items() if value is not None}}


@contextmanager
def log_fields(
    *,
    request_id: str | None = None,
    project_id: str | None = None,
    sendout_id: str | None = None,
    distribution_id: str | None = None,
) -> Iterator[None]:
    """Every line logged inside the block (and in tasks it starts) carries these ids; the
    ones bound before stay unless given again. Leaving the block restores what was bound
    before, including whatever ``bind_log_fields`` added inside it."""
    token = _fields.set(
        _merged(
            {
                "request_id": request_id,
                "project_id": project_id,
                "sendout_id": sendout_id,
                "distribution_id": distribution_id,
            }
        )
    )
    try:
        yield
    finally:
        _fields.reset(token)


def bind_log_fields(*, project_id: str) -> None:
    """Adds the project to the current request's fields once authentication knows it: the
    request middleware's ``log_fields`` block, which runs in the same task, undoes it."""
    _fields.set(_merged({"project_id": project_id}))


def current_log_fields() -> Mapping[str, str]:
    return _fields.get()


class LogContextFilter(logging.Filter):
    """Copies the bound ids onto each record that passes the handler; ids given with
    ``extra=`` (a batch's send-out, logged outside its attempt) win."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _fields.get()
        if fields:
            attributes = record.__dict__
            for name, value in fields.items():
                attributes.setdefault(name, value)
        return True
