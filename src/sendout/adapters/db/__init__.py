"""SQLAlchemy 2 storage for SQLite and PostgreSQL."""
