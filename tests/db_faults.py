"""Faults planted in a real database, so that a statement fails in the database itself
(whatever the API checks before it) with a customer's email among its values."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.bootstrap import Container

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
