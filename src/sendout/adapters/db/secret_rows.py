"""Every stored secret at once: sealing them all again (``sendout secrets rotate-key``) and
checking at start-up that the configured keys open them.

Secrets live in three tables: project webhooks (signing secrets), integrations (API keys and
passwords), distributions (their webhook channels' signing secrets and secret header values).
Each row is read through the same code the stores read it with (``channel_rows.py`` for
channels), opened with any configured key and sealed with the first one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.channel_rows import channel_of, channel_value
from sendout.adapters.db.crypto import SEALED_PREFIX, SecretBox
from sendout.adapters.db.engine import Database
from sendout.domain.errors import SecretsUnavailable

ROTATE_BATCH = 200  # rows sealed again per transaction

Values = Mapping[str, Any]


def _webhook_secrets(row: Values, box: SecretBox) -> dict[str, Any]:
    return {
        "secret": box.seal(box.open(row["secret"])),
        "previous_secret": box.seal_optional(box.open_optional(row["previous_secret"])),
    }


def _integration_secrets(row: Values, box: SecretBox) -> dict[str, Any]:
    return {"secrets": box.seal_values(box.open_values(row["secrets"]))}


def _distribution_secrets(row: Values, box: SecretBox) -> dict[str, Any]:
    return {"channels": [channel_value(channel_of(c, box), box) for c in row["channels"]]}


@dataclass(frozen=True, slots=True)
class SecretTable:
    table: sa.Table
    #: the secret-holding columns, opened and sealed again by ``reseal``
    columns: tuple[str, ...]
    reseal: Callable[[Values, SecretBox], dict[str, Any]]

    @property
    def keys(self) -> list[sa.Column[Any]]:
        return list(self.table.primary_key.columns)

    def sealed_somewhere(self) -> sa.ColumnElement[bool]:
        """Rows holding at least one sealed value (text search: JSON columns too)."""
        return sa.or_(
            *(
                sa.cast(self.table.c[name], sa.Text).like(f"%{SEALED_PREFIX}%")
                for name in self.columns
            )
        )


SECRET_TABLES = (
    SecretTable(t.webhooks, ("secret", "previous_secret"), _webhook_secrets),
    SecretTable(t.integrations, ("secrets",), _integration_secrets),
    SecretTable(t.distributions, ("channels",), _distribution_secrets),
)


async def check_secrets(database: Database, box: SecretBox) -> None:
    """Refuse to start when stored secrets cannot be opened: encrypted rows with no key set, or
    keys that open none of them (one sealed row of each table is tried)."""
    transaction = await database.begin(read_only=True)
    try:
        for spec in SECRET_TABLES:
            statement = (
                sa.select(*(spec.table.c[name] for name in spec.columns))
                .where(spec.sealed_somewhere())
                .limit(1)
            )
            row = (await transaction.execute(statement)).first()
            if row is not None:
                spec.reseal(dict(row._mapping), box)  # opening is the check
    finally:
        await transaction.close()


async def rotate_secrets(
    database: Database,
    box: SecretBox,
    on_batch: Callable[[str, int], None] = lambda table, done: None,
    batch: int = ROTATE_BATCH,
) -> dict[str, int]:
    """Seal every stored secret again with the first key (plain ones from before the key was
    set included), a batch of rows per transaction; answers the rows sealed, per table."""
    if not box.sealing:
        raise SecretsUnavailable(details="set SENDOUT_ENCRYPTION_KEY to the keys to seal with")
    done: dict[str, int] = {}
    for spec in SECRET_TABLES:
        done[spec.table.name] = 0
        after: tuple[Any, ...] | None = None
        while True:
            after, count = await _rotate_batch(database, box, spec, after, batch)
            done[spec.table.name] += count
            if count:
                on_batch(spec.table.name, done[spec.table.name])
            if after is None:
                break
    return done


async def _rotate_batch(
    database: Database,
    box: SecretBox,
    spec: SecretTable,
    after: tuple[Any, ...] | None,
    batch: int,
) -> tuple[tuple[Any, ...] | None, int]:
    """One batch of rows after ``after`` (by primary key), locked while they are rewritten;
    answers the last row's key (None: no more rows) and how many were sealed again."""
    keys = spec.keys
    statement = sa.select(*keys, *(spec.table.c[name] for name in spec.columns))
    if after is not None:
        statement = statement.where(sa.tuple_(*keys) > sa.tuple_(*after))
    statement = statement.order_by(*keys).limit(batch).with_for_update()
    transaction = await database.begin()
    try:
        rows = list(await transaction.execute(statement))
        for row in rows:
            values = spec.reseal(dict(row._mapping), box)
            where = [key == row._mapping[key.name] for key in keys]
            await transaction.execute(spec.table.update().where(*where).values(**values))
        await transaction.commit()
    finally:
        await transaction.close()
    if len(rows) < batch:
        return None, len(rows)
    last = rows[-1]._mapping
    return tuple(last[key.name] for key in keys), len(rows)
