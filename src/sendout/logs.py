"""Logging setup: one format for the API, the worker and the command line, as readable text
or as one JSON object per line (``SENDOUT_LOG_FORMAT``).

The standard library's ``logging`` with two small formatters, rather than structlog: every
line worth having comes through ``logging`` anyway (uvicorn's, asyncio's, SQLAlchemy's), so
one handler with one formatter gives them all the same format and the same valueless
tracebacks, with no second pipeline to keep in step and no dependency. The ids a line is
about come from ``sendout.log_context``.

Exceptions are logged without their messages. An exception's text is built from the values it
failed on: a database error carries the row it refused (asyncpg's "Failing row contains (…)",
"invalid input for query argument $1: '…'"), a parser quotes its input. Those values are
customers' emails and integration secrets, and logs travel further than the database (log
shippers, support tickets). The class and the frames (file, line, function, source line) are
what locates a bug; the values stay in the database, which is where they belong.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from types import TracebackType

from sendout.log_context import CONTEXT_FIELDS, LogContextFilter

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
#: what a line may carry besides its message: the ids it is about, then an access line's
#: figures. Named, not "every extra": libraries put their own extras on records (uvicorn a
#: coloured copy of the message), and nothing unlisted reaches a log shipper by accident.
STRUCTURED_FIELDS = (*CONTEXT_FIELDS, "method", "route", "status", "duration_ms")

_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def exception_class(exc: BaseException) -> str:
    kind = type(exc)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def valueless_traceback(exc: BaseException) -> str:
    """``exc``'s traceback as Python prints it, chained exceptions and groups included, each
    exception reduced to its class (see the module's docstring for why)."""
    parts: list[str] = []
    _describe(exc, parts, seen=set(), indent="")
    return "".join(parts).rstrip("\n")


def _describe(exc: BaseException, parts: list[str], seen: set[int], indent: str) -> None:
    seen.add(id(exc))
    # Causes first, as Python prints them; ``seen`` stops a cycle of contexts.
    if exc.__cause__ is not None and id(exc.__cause__) not in seen:
        _describe(exc.__cause__, parts, seen, indent)
        parts.append(_indented(_CAUSE, indent))
    elif (
        exc.__context__ is not None
        and not exc.__suppress_context__
        and id(exc.__context__) not in seen
    ):
        _describe(exc.__context__, parts, seen, indent)
        parts.append(_indented(_CONTEXT, indent))
    if exc.__traceback__ is not None:
        frames = traceback.extract_tb(exc.__traceback__)
        parts.append(_indented("Traceback (most recent call last):\n", indent))
        parts.extend(_indented(frame, indent) for frame in frames.format())
    parts.append(_indented(exception_class(exc) + "\n", indent))
    if isinstance(exc, BaseExceptionGroup):
        for number, inner in enumerate(exc.exceptions, start=1):
            parts.append(_indented(f"+---- {number} ----\n", indent + "  "))
            _describe(inner, parts, seen, indent + "  | ")


def _indented(text: str, indent: str) -> str:
    if not indent:
        return text
    return "".join(indent + line for line in text.splitlines(keepends=True))


class ValuelessFormatter(logging.Formatter):
    """Formats every logged exception with ``valueless_traceback``: third-party lines
    (uvicorn's, asyncio's) as well as ours."""

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        _, exc, _ = ei
        return "" if exc is None else valueless_traceback(exc)


class TextFormatter(ValuelessFormatter):
    """``time LEVEL logger message [request_id=… project_id=…]``: for a person at a terminal."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        attributes = record.__dict__
        ids = " ".join(f"{n}={attributes[n]}" for n in CONTEXT_FIELDS if n in attributes)
        if not ids:
            return text
        # After the first line: a traceback stays below the line it belongs to.
        first, newline, rest = text.partition("\n")
        return f"{first} [{ids}]{newline}{rest}"


class JsonFormatter(ValuelessFormatter):
    """One JSON object per line: ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``,
    ``message``, the ids and figures of ``STRUCTURED_FIELDS`` the record has, and
    ``exception`` (a valueless traceback) when one was logged."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        attributes = record.__dict__
        for name in STRUCTURED_FIELDS:
            if name in attributes:
                line[name] = attributes[name]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: an id passed as another type still makes a line, never a failure.
        return json.dumps(line, ensure_ascii=False, default=str)


def log_formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(level: str, log_format: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(log_formatter(log_format))
    handler.addFilter(LogContextFilter())
    logging.basicConfig(level=level, handlers=[handler])
    # SQL echo drowns everything else at INFO (the access log is sendout.access's, one line
    # per request; uvicorn's own is off, see entrypoints/cli.py).
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
