"""Engine construction and schema migration, the same way for SQLite and PostgreSQL.

SQLite gets WAL (readers never block the writer), enforced foreign keys and a busy timeout.
Its driver's own transaction handling is switched off so that SQLAlchemy emits BEGIN itself:
reads use a plain (deferred) BEGIN and see one snapshot; writes (`write_connection`) use
BEGIN IMMEDIATE, which takes the write lock up front so two writers queue on the busy
timeout instead of failing when a read lock cannot be upgraded.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

DEFAULT_DATABASE_URL = "sqlite:///jixiao.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Key of the PostgreSQL advisory lock that serialises `migrate` across processes
# (an arbitrary constant: the bytes of "jixiaomg" read as a signed 64-bit integer).
MIGRATION_LOCK_KEY = int.from_bytes(b"jixiaomg", "big", signed=True)

_WRITE_OPTION = "jixiao_write"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def driver_url(url: str) -> str:
    """`url` with the driver we install: a plain `postgresql://` (or `postgres://`) gets psycopg 3.

    The caller decides which URL (worker.settings reads the environment); this layer reads none.
    """
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def redact(url: str) -> str:
    """`url` fit to print: the password masked; an unparsable URL reduced to its scheme."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 — it may hold a password anywhere: show none of it
        return url.split(":", 1)[0] + "://…" if ":" in url else "…"


def make_engine(url: str) -> Engine:
    """An Engine for `url` configured for concurrent workers."""
    resolved = make_url(driver_url(url))
    if resolved.get_backend_name() == "sqlite":
        return _sqlite_engine(resolved)
    return create_engine(resolved, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see `_on_begin`)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")  # persistent; the first switch needs the lock
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough under WAL, much faster
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on error.

    On SQLite it starts with BEGIN IMMEDIATE (the write lock first, so concurrent writers wait
    their turn); on PostgreSQL it is an ordinary READ COMMITTED transaction.
    """
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        with conn.begin():
            yield conn


def migrate(engine: Engine) -> None:
    """`alembic upgrade head` with the migrations shipped in this package; a no-op when current.

    Runs in one transaction. On PostgreSQL a transaction-scoped advisory lock makes concurrent
    callers wait for the first one and then find nothing to do; on SQLite BEGIN IMMEDIATE
    does the same. The lock is taken before Alembic starts, which also matters inside one
    process: Alembic keeps its running context in module globals, so two threads must never
    be inside it at once.
    """
    from alembic import command

    config = alembic_config()
    with _sqlite_file_lock(engine), write_connection(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Serialise first connections to a SQLite file: switching a fresh file to WAL takes an
    exclusive lock that SQLite's busy handler does not wait for, so simultaneous starters fail
    with "database is locked". A lock file beside the database makes them take turns."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    with open(f"{path}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alembic_config(url: str = DEFAULT_DATABASE_URL) -> Any:
    """An Alembic Config pointing at the packaged migrations (no alembic.ini file needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", driver_url(url).replace("%", "%%"))
    return config
