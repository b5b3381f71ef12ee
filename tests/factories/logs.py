"""A failure whose messages carry a value that must never reach a log line."""

from __future__ import annotations

SECRET = "jane@example.com"


def refuse(value: str) -> None:
    raise ValueError(f"cannot store {value!r}")


def store(value: str) -> None:
    try:
        refuse(value)
    except ValueError as exc:
        raise RuntimeError(f"statement failed for {value}") from exc
