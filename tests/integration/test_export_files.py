"""Export files on disk: a write cuts what lay past the last commit, names never leave the
folder, the data directory defaults beside the SQLite file."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from sendout.adapters.export_files import LocalExportFiles
from sendout.config import Settings


def written(path: str) -> tuple[bytes, int]:
    """The file's bytes and its permission bits."""
    return Path(path).read_bytes(), stat.S_IMODE(os.stat(path).st_mode)


async def test_a_write_cuts_the_file_at_its_offset_then_appends(tmp_path: Path) -> None:
    files = LocalExportFiles(str(tmp_path))
    assert await files.path("proj_1/exp_1.csv") is None
    assert await files.write("proj_1/exp_1.csv", 0, "id\r\na\r\n") == 7
    assert await files.write("proj_1/exp_1.csv", 4, "b\r\n") == 7  # "a" was past the commit
    path = await files.path("proj_1/exp_1.csv")
    assert path == str(tmp_path / "exports" / "proj_1" / "exp_1.csv")
    # Owner-only: an export holds customers' data.
    assert await asyncio.to_thread(written, path) == (b"id\r\nb\r\n", 0o600)
    await files.remove("proj_1/exp_1.csv")
    assert await files.path("proj_1/exp_1.csv") is None
    await files.remove("proj_1/exp_1.csv")  # gone already: nothing to do


@pytest.mark.parametrize("name", ["../x.csv", "proj_1/../../x.csv", "/etc/passwd", "a/b.txt"])
async def test_no_name_reaches_outside_the_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not an export file name"):
        await LocalExportFiles(str(tmp_path)).write(name, 0, "x")


def test_the_data_directory_defaults_beside_the_sqlite_file(tmp_path: Path) -> None:
    beside = Settings(database_url=f"sqlite:///{tmp_path}/db/sendout.db")
    assert beside.data_directory == str(tmp_path / "db")
    assert Settings(data_dir="/srv/sendout").data_directory == "/srv/sendout"
    assert Settings(database_url="postgresql://x@y/z").data_directory == os.getcwd()
    env = Settings.from_env({"SENDOUT_DATA_DIR": str(tmp_path)})
    assert env.data_directory == str(tmp_path)
