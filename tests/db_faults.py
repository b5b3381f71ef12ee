"""Faults planted in a real database: a statement that fails in the database itself
(whatever the API checks before it) with a customer's email among its values, and
connections the server ends."""

from __future__ import annotations

import asyncpg
import sqlalchemy as sa

from sendout.bootstrap import Container
from tests.conftest import PG_HOST, PG_PORT, PG_USER

#: a customer saved with an email at this domain fails to insert
REFUSED_DOMAIN = "refused.test"

_SQLITE = (
    # json() of a non-JSON text raises at run time: an error, not a constraint violation
    # (which the stores turn into a retried Conflict).
    "CREATE TRIGGER IF NOT EXISTS refuse_customer BEFORE INSERT ON customers "
    f"WHEN NEW.email LIKE '%@{REFUSED_DOMAIN}' BEGIN SELECT json(NEW.email); END",
)
_POSTGRESQL = (
    # The cast's error message quotes the email: the failure the log must not repeat.
    "CREATE OR REPLACE FUNCTION refuse_customer() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN IF NEW.email LIKE '%@{REFUSED_DOMAIN}' THEN PERFORM NEW.email::integer; END IF; "
    "RETURN NEW; END $$",
    "DROP TRIGGER IF EXISTS refuse_customer ON customers",
    "CREATE TRIGGER refuse_customer BEFORE INSERT ON customers "
    "FOR EACH ROW EXECUTE FUNCTION refuse_customer()",
)


async def refuse_customers_at_refused_domain(container: Container) -> None:
    statements = _SQLITE if container.database.dialect == "sqlite" else _POSTGRESQL

    def plant(conn: sa.Connection) -> None:
        for statement in statements:
            conn.exec_driver_sql(statement)

    await container.database.run_sync(plant)


async def end_connections(database_name: str) -> int:
    """The server ends every connection to ``database_name`` (``pg_terminate_backend``, as an
    administrator, a restart or a failover would); answers how many it ended."""
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        ended = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database_name,
        )
    finally:
        await admin.close()
    return sum(1 for row in ended if row[0])
