"""What every table shares: the metadata they belong to (and its naming convention), the id
type."""

from __future__ import annotations

import sqlalchemy as sa

ID = sa.String(64)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
