"""Fakes of the export ports: rows a test arranges, and files kept in memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sendout.domain.exports import ExportQuery
from sendout.domain.list_filters import holds_constant
from sendout.domain.ports import ExportCursor

#: a row a test arranges: ``project_id``, ``id``, ``created_at`` (ISO text, as the cursor
#: holds it) and any export field
ExportRow = Mapping[str, object]


@dataclass
class ExportTables:
    #: exported object (``voucher``, ``sendout``…) -> its rows
    export_rows: dict[str, list[ExportRow]] = field(default_factory=dict)


class InMemoryExportRowStore:
    """The SQL store's paging over arranged rows: by ``created_at`` then id, narrowed by the
    scope and the filters (each field compared as text)."""

    def __init__(self, data: ExportTables) -> None:
        self.data = data

    async def rows(
        self, project_id: str, query: ExportQuery, after: ExportCursor | None, limit: int
    ) -> tuple[list[list[object]], ExportCursor | None]:
        newest_first = query.order.startswith("-")
        key = query.order.lstrip("-")
        found = sorted(
            (
                r
                for r in self.data.export_rows.get(query.exported_object.value, [])
                if r["project_id"] == project_id and self._wanted(r, query)
            ),
            key=lambda r: (str(r[key]), str(r["id"])),
            reverse=newest_first,
        )
        if after is not None:
            found = [
                r
                for r in found
                if (
                    (str(r[key]), str(r["id"])) < after
                    if newest_first
                    else (str(r[key]), str(r["id"])) > after
                )
            ]
        page = found[:limit]
        rows = [[r.get(f) for f in query.fields] for r in page]
        last = (str(page[-1][key]), str(page[-1]["id"])) if page else None
        return rows, last

    @staticmethod
    def _wanted(row: ExportRow, query: ExportQuery) -> bool:
        if any(str(row.get(k)) != v for k, v in query.scope.items()):
            return False
        held = [
            holds_constant(c, None if row.get(c.field) is None else str(row.get(c.field)))
            for c in query.filters.conditions
        ]
        return not held or (any(held) if query.filters.any_of else all(held))


class InMemoryExportFiles:
    """Export files in a dict (name -> bytes); ``path`` answers a made-up path."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def write(self, name: str, offset: int, text: str) -> int:
        kept = self.files.get(name, b"")[:offset]
        self.files[name] = kept + text.encode()
        return len(self.files[name])

    async def path(self, name: str) -> str | None:
        return f"/in-memory/{name}" if name in self.files else None

    async def remove(self, name: str) -> None:
        self.files.pop(name, None)
