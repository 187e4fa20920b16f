"""Worker tests use the database tests' fixtures: `engine` on SQLite and on PostgreSQL."""

from tests.db.conftest import db_url, engine  # noqa: F401 — re-exported fixtures
