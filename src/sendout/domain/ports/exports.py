"""The ports of CSV exports: the rows an export reads, and the files it writes (the export
itself is an async action: ``AsyncActionStore``)."""

from __future__ import annotations

from typing import Protocol

from sendout.domain.exports import ExportQuery

#: where a page of export rows ended: the order's value and the row's id, as text (it is
#: stored in the export's progress between batches)
ExportCursor = tuple[str, str]


class ExportRowStore(Protocol):
    async def rows(
        self, project_id: str, query: ExportQuery, after: ExportCursor | None, limit: int
    ) -> tuple[list[list[object]], ExportCursor | None]:
        """Up to ``limit`` rows of the project past ``after`` in ``query.order``, each the
        values of ``query.fields`` in that order, and the cursor of the last one (None when
        there were none)."""
        ...


class ExportFiles(Protocol):
    """Where export files live (the data directory): by name, never a path from a request."""

    async def write(self, name: str, offset: int, text: str) -> int:
        """Cut the file ``name`` at ``offset`` bytes (a batch a stalled worker wrote past its
        last commit goes), append ``text`` and answer the file's new size."""
        ...

    async def path(self, name: str) -> str | None:
        """The file's path on this machine, for serving it; None when there is none."""
        ...

    async def remove(self, name: str) -> None: ...
