"""Service probes shared by every test package: `pg_url` and `redis_url`.

A test that needs PostgreSQL or Redis asks for the fixture. When the service does not answer,
the test fails if JIXIAO_REQUIRE_SERVICES=1 (CI, acceptance) and is skipped otherwise, with the
reason shown by `-ra`. Addresses come from JIXIAO_TEST_PG_URL / JIXIAO_TEST_REDIS_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import NoReturn

import pytest

PG_ADMIN_URL = os.environ.get("JIXIAO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("JIXIAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def service_missing(reason: str) -> NoReturn:
    """Fail when services are required, else skip."""
    if os.environ.get("JIXIAO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (JIXIAO_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A plain `postgresql://` URL of a fresh, empty database, dropped after the session."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN_URL)
    admin_conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = psycopg.connect(admin_conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        service_missing(f"PostgreSQL not reachable at {admin.render_as_string()}: {exc}".strip())
    name = f"jixiao_test_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_conninfo, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a Redis that answers PING."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        client.close()
    return REDIS_URL
