"""Export files on the local disk, under the data directory's ``exports/`` folder.

Names come from Sendout (``<project id>/<export id>.csv``), never from a request; they are
checked anyway, so no name can reach outside the folder. Writes run in a thread: a batch's
bytes must not stall the worker's event loop.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

_NAME = re.compile(r"[A-Za-z0-9_]{1,64}/[A-Za-z0-9_]{1,64}\.csv")


class LocalExportFiles:
    def __init__(self, data_dir: str) -> None:
        self._root = Path(data_dir) / "exports"

    def _file(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not an export file name: {name!r}")
        return self._root / name

    async def write(self, name: str, offset: int, text: str) -> int:
        return await asyncio.to_thread(self._write, self._file(name), offset, text.encode())

    @staticmethod
    def _write(file: Path, offset: int, data: bytes) -> int:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Owner-only: an export holds customers' data.
        descriptor = os.open(file, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "r+b") as out:
            out.truncate(offset)
            out.seek(offset)
            out.write(data)
            return out.tell()

    async def path(self, name: str) -> str | None:
        file = self._file(name)
        return str(file) if await asyncio.to_thread(file.is_file) else None

    async def remove(self, name: str) -> None:
        await asyncio.to_thread(self._file(name).unlink, missing_ok=True)
