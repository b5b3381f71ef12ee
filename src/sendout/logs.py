"""Logging setup: one format for the API, the worker and the command line.

Exceptions are logged without their messages. An exception's text is built from the values it
failed on: a database error carries the row it refused (asyncpg's "Failing row contains (…)",
"invalid input for query argument $1: '…'"), a parser quotes its input. Those values are
customers' emails and integration secrets, and logs travel further than the database (log
shippers, support tickets). The class and the frames (file, line, function, source line) are
what locates a bug; the values stay in the database, which is where they belong.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

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


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(ValuelessFormatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    # SQL echo and per-request access lines drown everything else at INFO.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
