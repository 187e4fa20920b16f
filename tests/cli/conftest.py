"""CLI fixtures: each test runs `jixiao` in a fresh folder against a fresh database.

`db_url` (SQLite file and a PostgreSQL schema of its own) comes from the database tests, so
every CLI test runs on both backends; the PostgreSQL one fails rather than skips under
JIXIAO_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jixiao.cli import main
from tests.db.conftest import db_url  # noqa: F401 — the fixture, on both backends


@dataclass(frozen=True)
class Workspace:
    root: Path  # holds nothing but what a test puts there
    inputs: Path  # where a test writes the files it ingests
    store: Path  # JIXIAO_STORE
    database_url: str


Invoke = Callable[..., Result]


@pytest.fixture
def workspace(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Workspace:  # noqa: F811
    root = tmp_path / "ws"
    (root / "inputs").mkdir(parents=True)
    monkeypatch.chdir(root)
    monkeypatch.delenv("JIXIAO_BROKER_URL", raising=False)
    return Workspace(root, root / "inputs", root / "store", db_url)


@pytest.fixture
def jixiao(workspace: Workspace) -> Invoke:
    """Run `jixiao ARGS...` in-process; stdout and stderr are kept apart on the result."""
    runner = CliRunner()
    env = {"JIXIAO_DATABASE_URL": workspace.database_url, "JIXIAO_STORE": str(workspace.store)}

    def invoke(*args: str, extra_env: dict[str, str] | None = None) -> Result:
        return runner.invoke(main, list(args), env={**env, **(extra_env or {})}, catch_exceptions=False)

    return invoke


def cpu_workers() -> str:
    """Two parser processes at least, so the tests exercise the pool even on one core."""
    return str(max(2, min(4, os.cpu_count() or 1)))
