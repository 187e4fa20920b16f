"""Worker tests use the database tests' fixtures: `engine` on SQLite and on PostgreSQL.

The Celery tests (test_celery_*.py) run the real thing: a redis-server of their own on a free
port (so a test may restart it without touching the machine's Redis), a fresh PostgreSQL
database per module, and workers, beat and Flower started by `deploy/run-local` — the same
launcher an operator uses. Nothing waits by sleeping: `wait_until` polls with a deadline.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine

from db.engine import make_engine, migrate
from tests.conftest import PG_ADMIN_URL, service_missing
from tests.db.conftest import db_url, engine  # noqa: F401 — re-exported fixtures

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "deploy" / "run-local"
FLOWER_USER, FLOWER_PASSWORD = "ops", "s3cret-for-tests"

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- Redis of our own


@dataclass
class RedisServer:
    """A redis-server without persistence: a restart forgets everything, like the worst case."""

    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> Any:
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=2, socket_timeout=5)

    def start(self) -> None:
        log = (self.workdir / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(self._pong, 10, f"redis-server on port {self.port}")

    def _pong(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()  # SIGTERM: no save is configured, so nothing is kept
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again on the same port: every queue and unacked message is gone."""
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        service_missing("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- PostgreSQL database per module


@pytest.fixture(scope="module")
def pg_database(pg_url: str) -> Iterator[str]:
    """A fresh, migrated database on the test server (`pg_url` proves the server answers)."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN_URL).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    name = f"jixiao_celery_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    migrated = make_engine(url)
    migrate(migrated)
    migrated.dispose()
    try:
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    """Workers (+ beat, Flower) started by deploy/run-local against `redis` and `database_url`."""

    root: Path
    redis: RedisServer
    database_url: str
    workers: int = 2
    with_flower: bool = True
    with_beat: bool = False
    with_api: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    flower_port: int = 0
    api_port: int = 0

    def __post_init__(self) -> None:
        self.run_dir = self.root / "run"
        self.store = self.root / "store"
        self.flower_port = self.flower_port or free_port()
        self.api_port = self.api_port or free_port()
        self._engine: Engine | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JIXIAO_", "FLOWER_"))}
        env.update(
            JIXIAO_BROKER_URL=self.redis.url(),
            JIXIAO_DATABASE_URL=self.database_url,
            JIXIAO_STORE=str(self.store),
            JIXIAO_PROGRESS_EVERY="0",
            JIXIAO_NIGHTLY_AT="off",
            JIXIAO_FLOWER_MAX_TASKS="2000",
            FLOWER_BASIC_AUTH=f"{FLOWER_USER}:{FLOWER_PASSWORD}",
            FLOWER_PORT=str(self.flower_port),
            FLOWER_ADDRESS="127.0.0.1",
            JIXIAO_API_PORT=str(self.api_port),
            PYTHONPATH=str(REPO),
        )
        env.update(self.extra_env)
        return env

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.database_url)
        return self._engine

    def launcher(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(LAUNCHER), "--run-dir", str(self.run_dir), *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self) -> None:
        args = ["start", "--workers", str(self.workers), "--concurrency", "1", "--wait"]
        args += [] if self.with_flower else ["--no-flower"]
        args += [] if self.with_beat else ["--no-beat"]
        args += [] if self.with_api else ["--no-api"]
        done = self.launcher(*args)
        assert done.returncode == 0, f"run-local start failed:\n{done.stdout}\n{done.stderr}\n{self.logs()}"

    def stop(self) -> None:
        self.launcher("stop", "--timeout", "15")
        if self._engine is not None:
            self._engine.dispose()

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:]
            for p in sorted(self.run_dir.glob("*.log"))
        )

    def pid(self, service: str) -> int:
        return int((self.run_dir / f"{service}.pid").read_text())

    def jixiao(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        """`jixiao ARGS` in a process of its own, as a user runs it."""
        return subprocess.run(
            [sys.executable, "-m", "jixiao", *args],
            env={**self.env, **(env or {})},
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def popen_jixiao(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "jixiao", *args],
            env=self.env,
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def app(self) -> Any:
        """A Celery app on this stack's broker (the test process's own worker.app may point elsewhere)."""
        from celery import Celery

        from worker.celeryconfig import celery_config
        from worker.settings import Settings

        app = Celery("jixiao-test", set_as_current=False)
        app.conf.update(celery_config(Settings.from_env(self.env)))
        return app

    def flower(self, path: str, auth: bool = True) -> tuple[int, Any]:
        headers = {}
        if auth:
            token = base64.b64encode(f"{FLOWER_USER}:{FLOWER_PASSWORD}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        request = urllib.request.Request(f"http://127.0.0.1:{self.flower_port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — local Flower
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, None


def start_stack(root: Path, redis: RedisServer, database_url: str, **options: Any) -> Stack:
    stack = Stack(root, redis, database_url, **options)
    stack.store.mkdir(parents=True, exist_ok=True)
    stack.start()
    return stack


@pytest.fixture(scope="module")
def stack_options() -> dict[str, Any]:
    """What `stack` starts beside two workers; a module overrides it (with_api=True, …)."""
    return {}


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: RedisServer,
    pg_database: str,
    stack_options: dict[str, Any],
) -> Iterator[Stack]:
    """The module's stack: two workers of one process each, by default no Flower, beat or API (a
    module that needs another defines its own `stack`, or `stack_options`)."""
    options = {"workers": 2, "with_flower": False, **stack_options}
    s = start_stack(tmp_path_factory.mktemp("stack"), redis_server, pg_database, **options)
    try:
        yield s
    finally:
        s.stop()


# --------------------------------------------------------------------------- reading results


def batch_of(completed: subprocess.CompletedProcess[str]) -> int:
    """The batch id `jixiao ingest` prints on its first stdout line."""
    first = completed.stdout.splitlines()[0] if completed.stdout else ""
    assert first.startswith("batch "), f"no batch id in stdout: {completed.stdout!r} / {completed.stderr!r}"
    return int(first.split()[1])


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def make_corpus(out: Path, docs: int, seed: int, families: tuple[str, ...], min_pages: int = 0) -> Path:
    """Fixture PDFs (tests.fixtures.corpus); the same arguments give the same bytes."""
    from tests.fixtures.corpus import write_corpus

    write_corpus(out, docs, seed, families=families, min_pages=min_pages)
    return out


def documents(
    stack: Stack, batch: int | None = None, env: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    args = ["documents", "--format", "jsonl"] + (["--batch", str(batch)] if batch is not None else [])
    done = stack.jixiao(*args, env=env)
    assert done.returncode == 0, done.stderr
    return jsonl(done.stdout)


FINAL = ("stored", "no_table", "failed", "duplicate")


def all_final(stack: Stack, batch: int) -> list[dict[str, Any]] | None:
    """The batch's document rows once every one is final (read here, not through a subprocess)."""
    from db import queries

    rows = list(queries.document_rows(stack.engine, batch_id=batch))
    return rows if rows and all(r["status"] in FINAL for r in rows) else None
