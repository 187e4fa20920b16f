"""Alembic environment for the jixiao results database.

`db.engine.migrate` passes an open connection (inside its locked transaction) in
`config.attributes["connection"]`; otherwise (the `alembic` command line) a connection is
made from the configured URL, which defaults to the embedded SQLite file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from db.engine import DEFAULT_DATABASE_URL, driver_url, make_engine
from db.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )


def run_offline() -> None:
    context.configure(
        url=driver_url(config.get_main_option("sqlalchemy.url") or DEFAULT_DATABASE_URL),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
