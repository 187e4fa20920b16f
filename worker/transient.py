"""Which exceptions are worth trying again: lost connections and locks, never a bad file."""

from __future__ import annotations

import kombu.exceptions
import redis.exceptions
import sqlalchemy.exc

from pipeline.errors import PipelineError

_TRANSIENT: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,  # connection refused or lost, deadlock, serialization, SQLite busy
    sqlalchemy.exc.InterfaceError,  # the driver's connection object is broken
    sqlalchemy.exc.TimeoutError,  # no pooled connection came free in time
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    kombu.exceptions.OperationalError,  # the broker connection
    ConnectionError,  # OS-level: refused, reset, aborted
    TimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    """True when the same work may succeed later, unchanged."""
    if isinstance(exc, PipelineError):
        return exc.retryable
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _TRANSIENT)
