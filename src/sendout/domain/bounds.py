"""What storage can hold, checked where input enters: 64-bit signed integers, text without NUL.

PostgreSQL's ``bigint`` and SQLite's ``INTEGER`` stop at 64 bits, and PostgreSQL's text and
``jsonb`` refuse the NUL character. A value beyond either used to travel until a statement
failed (a 500); the API refuses it up front instead, naming the field.
"""

from __future__ import annotations

from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: A redemption quantity is stored in a 32-bit column (and 2 billion uses is plenty).
MAX_REDEMPTION_QUANTITY = 2**31 - 1
#: The last page a page-numbered list answers: with 100 items a page, 10^8 rows deep.
MAX_PAGE = 1_000_000

NUL = "\x00"
INTEGER_RANGE = f"integers must be between {INT64_MIN} and {INT64_MAX}"
NUL_IN_TEXT = "text must not contain NUL (\\u0000)"
NUL_IN_KEY = "keys must not contain NUL (\\u0000)"


def printable(text: str) -> str:
    """``text`` with NUL spelled ``\\u0000``, fit for an error message."""
    return text.replace(NUL, "\\u0000")


def first_unstorable(document: Any) -> str | None:
    """``"path: why"`` for the first integer outside int64 or text (value or key) holding
    NUL in a parsed JSON document; None when storage can hold it all.

    Paths read like the fields they name: ``metadata.big``, ``order.items[0].quantity``,
    ``[0].points.from`` for a body that is an array. The walk keeps its own stack: a deeply
    nested document must not exhaust Python's recursion limit.
    """
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return f"{printable(path) or 'body'}: {NUL_IN_TEXT}"
        elif isinstance(value, int):
            # bool is an int too, and always within range.
            if not INT64_MIN <= value <= INT64_MAX:
                return f"{printable(path) or 'body'}: {INTEGER_RANGE}"
        elif isinstance(value, dict):
            children = []
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else str(key)
                if NUL in key:
                    return f"{printable(child_path)}: {NUL_IN_KEY}"
                children.append((child_path, child))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", value[i]) for i in range(len(value) - 1, -1, -1))
    return None
