"""Refusing, where a request enters, what storage cannot hold (see ``domain/bounds.py``).

Bodies: the ingest path must not walk every JSON document in Python, so the raw bytes are
searched first for the only spellings the two problems can have in valid JSON: the escape
``\\u0000`` (a raw NUL is invalid JSON, refused by the parser) and a run of 19 digits (the
shortest integer beyond int64 has 19). Only a body holding one is parsed and walked, which
also tells look-alikes (an escaped backslash before ``u0000``, long digits inside a string)
from the real thing.

URLs: an id with NUL names nothing (404); a query parameter with NUL is a 400 naming it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic_core import from_json
from starlette.requests import Request

from sendout.domain.bounds import (
    INT64_MAX,
    INT64_MIN,
    NUL,
    NUL_IN_KEY,
    NUL_IN_TEXT,
    first_unstorable,
    printable,
)
from sendout.domain.errors import InvalidPayload, InvalidQuery, NotFound

#: A JSON integer stored as a 64-bit signed one. Narrower bounds go inside a further
#: ``Annotated[Int64, Field(ge=…)]``: pydantic drops a field's own ``Field(ge=…)`` when the
#: annotation already carries bounds.
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX, json_schema_extra={"format": "int64"})]
PositiveInt64 = Annotated[Int64, Field(ge=1)]

_NUL_ESCAPE = b"\\u0000"
#: Every ASCII digit to "0", every other byte to " ": a run of 19 digits becomes 19 zeros.
#: On a typical event body translate + ``in`` is several times quicker than a regex search
#: for ``[0-9]{19}`` (which restarts at every digit).
_DIGITS_AS_ZEROS = bytes(ord("0") if chr(i).isdigit() and i < 128 else ord(" ") for i in range(256))
_NINETEEN_DIGITS = b"0" * 19


def check_body(raw: bytes) -> None:
    """A 400 ``invalid_payload`` naming the first field storage cannot hold, if any."""
    if _NUL_ESCAPE not in raw and _NINETEEN_DIGITS not in raw.translate(_DIGITS_AS_ZEROS):
        return
    try:
        document = from_json(raw)
    except ValueError:
        return  # not JSON: the model's parser says so in its own words
    problem = first_unstorable(document)
    if problem is not None:
        raise InvalidPayload(details=problem)


def check_url(request: Request) -> None:
    """404 for a path holding NUL (no id holds one: bodies refuse it); a 400
    ``invalid_query_params`` naming a query parameter (name or value) holding NUL."""
    scope = request.scope
    if NUL in scope["path"]:
        raise NotFound(details="No resource has an id containing NUL")
    query: bytes = scope["query_string"]
    if b"%00" not in query and b"\x00" not in query:
        return
    for name, value in request.query_params.multi_items():
        if NUL in name:
            raise InvalidQuery(details=f"{printable(name)}: {NUL_IN_KEY}")
        if NUL in value:
            raise InvalidQuery(details=f"{name}: {NUL_IN_TEXT}")
