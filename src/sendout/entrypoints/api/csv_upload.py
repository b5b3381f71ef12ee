"""Reading an uploaded CSV file (the ``importCSV`` routes): the ``file`` part of a
``multipart/form-data`` body, as the official SDK sends it, parsed by the standard library
(``email`` for the multipart envelope, ``csv`` for the rows).

The body is bounded already (``max_body_bytes``, checked by the middleware before it is
read); here the file is bounded in rows and refused whole when it is not text a database can
store (not UTF-8, or holding NUL), as a JSON body would be. Each row comes back as a mapping
of its header's names to its cells, numbered from 1 (the first line after the headers);
what the cells mean is the resource's business (``schemas/imports.py``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

from starlette.requests import Request

from sendout.domain.bounds import NUL
from sendout.domain.errors import InvalidPayload
from sendout.services.row_jobs import MAX_ROWS

#: a header name longer than this is no column any import knows, nor a sensible metadata key
MAX_HEADER_LENGTH = 255


@dataclass(frozen=True, slots=True)
class CsvRow:
    number: int
    cells: dict[str, str]


async def read_csv(request: Request) -> list[CsvRow]:
    """The rows of the uploaded file; a 400 ``invalid_payload`` for a body that is not one."""
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    if content_type.startswith("multipart/form-data"):
        raw = _file_part(content_type, raw)
    elif not content_type.startswith("text/csv"):
        raise InvalidPayload(details="Send the CSV file as the multipart/form-data part 'file'")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidPayload(details="The CSV file must be UTF-8 text") from None
    if NUL in text:
        raise InvalidPayload(details="The CSV file must not contain NUL (\\u0000)")
    return _rows(text)


def _file_part(content_type: str, raw: bytes) -> bytes:
    envelope = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace") + raw
    message = BytesParser(policy=HTTP).parsebytes(envelope)
    if message.is_multipart():
        for part in message.iter_parts():
            if (
                isinstance(part, Message)
                and part.get_param("name", header="content-disposition") == "file"
            ):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    return payload
    raise InvalidPayload(details="The multipart/form-data body has no part named 'file'")


def _rows(text: str) -> list[CsvRow]:
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise InvalidPayload(details=f"The CSV file does not parse: {exc}") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise InvalidPayload(details="The CSV file is empty: its first line names the columns")
    headers = [name.strip() for name in lines[0]]
    if any(not name or len(name) > MAX_HEADER_LENGTH for name in headers):
        raise InvalidPayload(
            details=f"Every column needs a name of 1 to {MAX_HEADER_LENGTH} characters"
        )
    if len(set(headers)) != len(headers):
        raise InvalidPayload(details="The CSV file names a column twice")
    body = lines[1:]
    if not 1 <= len(body) <= MAX_ROWS:
        raise InvalidPayload(details=f"The CSV file must hold 1 to {MAX_ROWS} rows")
    rows = []
    for number, line in enumerate(body, start=1):
        if len(line) > len(headers):
            raise InvalidPayload(details=f"Row {number} has more cells than there are columns")
        rows.append(CsvRow(number, dict(zip(headers, line, strict=False))))
    return rows
