"""SQLite's write-ahead log, copied back and emptied by a thread of its own.

SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, so on the
event loop, during which nothing else on the loop moves (attempts in flight, the API). In a
thread it runs beside the loop: ``sqlite3`` lets go of the GIL while SQLite works.

Every ``CHECKPOINT_SECONDS`` a PASSIVE checkpoint copies what it can: it never waits for
readers or writers, nor makes them wait. A copied-back log is written over from its start,
but its file keeps the largest size it ever reached: so at a
quiet moment (no commit since the last look) a TRUNCATE checkpoint empties the file. It is
asked not to wait (busy timeout 0): with a reader or writer about, it gives up and is tried
at the next quiet moment. ``journal_size_limit`` (``sqlite.py``) bounds a log that is never quiet.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

log = logging.getLogger("sendout.db")

CHECKPOINT_SECONDS = 0.25  # how often the log is copied back


class Checkpointer:
    """Copies the log of the database at ``path`` back, and empties it when all is quiet."""

    def __init__(self, path: str, interval: float = CHECKPOINT_SECONDS) -> None:
        self._path = path
        self._wal = f"{path}-wal"
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        #: how many times the log file was emptied (tests and benchmarks read it)
        self.truncations = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        failing = False  # said once per run of failures, not four times a second
        version = None
        try:
            while not self._stop.wait(self._interval):
                try:
                    if conn is None:
                        conn = sqlite3.connect(self._path, isolation_level=None)
                        conn.execute("PRAGMA busy_timeout=0")
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    (now,) = conn.execute("PRAGMA data_version").fetchone()
                    if now == version and self._wal_size() > 0:
                        self._truncate(conn)
                    version = now
                except sqlite3.Error:  # a full disk, say: tried again next time
                    if not failing:
                        log.warning("checkpoint of %s failed", self._path, exc_info=True)
                    failing = True
                    # Opened again next time: a connection opened while the file could not
                    # be written stays read-only after it can.
                    if conn is not None:
                        conn.close()
                    conn, version = None, None
                else:
                    failing = False
        finally:
            if conn is not None:
                conn.close()

    def _truncate(self, conn: sqlite3.Connection) -> None:
        (busy, _, _) = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            self.truncations += 1

    def _wal_size(self) -> int:
        try:
            return os.path.getsize(self._wal)
        except OSError:
            return 0
