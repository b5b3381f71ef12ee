"""What every in-memory store shares: tables as dicts of frozen rows, copied per unit of
work, and the SQL stores' ways of refusing a duplicate and of paging."""

from __future__ import annotations

import copy
from collections.abc import MutableMapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any, Protocol, TypeVar

from sendout.domain.errors import Conflict
from sendout.domain.ports import Page

T = TypeVar("T")
K = TypeVar("K")


class Owned(Protocol):
    @property
    def project_id(self) -> str: ...


R = TypeVar("R", bound=Owned)


def copy_tables(tables: T) -> T:
    """A copy of ``tables`` (a dataclass of containers of frozen rows) whose containers are
    new: a unit of work changes its copy, and only ``commit`` hands it back. The rows are
    immutable, so sharing them is safe."""
    duplicate = copy.copy(tables)
    for f in fields(tables):  # type: ignore[arg-type]
        value = getattr(tables, f.name)
        # an area's tables kept as one value (promotions, loyalty) are copied table by table
        setattr(duplicate, f.name, copy_tables(value) if is_dataclass(value) else copy.copy(value))
    return duplicate


def same_tables(left: Any, right: Any) -> bool:
    """Whether two copies hold the same rows (a read-only unit of work wrote nothing)."""
    return all(getattr(left, f.name) == getattr(right, f.name) for f in fields(left))


def insert_new(table: MutableMapping[K, T], key: K, row: T, what: str) -> None:
    """Insert ``row`` under ``key``, refused as the SQL stores refuse a taken key."""
    if key in table:
        raise Conflict(details=f"Duplicate key in {what}")
    table[key] = row


def owned_by(table: MutableMapping[str, R], project_id: str, row_id: str) -> R | None:
    """The row ``row_id`` if it belongs to ``project_id`` (another project's is invisible)."""
    row = table.get(row_id)
    return row if row is not None and row.project_id == project_id else None


def paged(ordered: Sequence[T], limit: int, page: int) -> Page[T]:
    """Page ``page`` (from 1) of ``ordered``, with the total, as the SQL stores' ``_paged``."""
    offset = (page - 1) * limit
    items = list(ordered[offset : offset + limit])
    return Page(items=items, total=len(ordered), has_more=offset + len(items) < len(ordered))
