"""URL resolution and per-backend connection settings."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from db.engine import driver_url, make_engine, redact


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgres://u:p@h/db?sslmode=require", "postgresql+psycopg://u:p@h/db?sslmode=require"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_plain_postgresql_urls_get_the_psycopg_driver(given: str, expected: str) -> None:
    assert driver_url(given) == expected


def test_a_url_is_printed_without_its_password() -> None:
    assert redact("postgresql://jixiao:s3cret@db:5432/x") == "postgresql://jixiao:***@db:5432/x"
    assert "s3cret" not in redact("postgresql://jixiao:s3cret@db:5432:x:y/x")


def test_sqlite_connections_are_configured(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            pragmas = {
                p: conn.execute(text(f"PRAGMA {p}")).scalar() for p in ("journal_mode", "foreign_keys")
            }
            busy = conn.execute(text("PRAGMA busy_timeout")).scalar()
        assert pragmas == {"journal_mode": "wal", "foreign_keys": 1}
        assert busy is not None and busy >= 10_000
    finally:
        engine.dispose()


def test_postgresql_engine_uses_psycopg_and_pre_ping(pg_url: str) -> None:
    engine: Engine = make_engine(pg_url)
    try:
        assert engine.dialect.driver == "psycopg"
        assert engine.pool._pre_ping  # a connection dropped by the server is replaced, not raised
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
