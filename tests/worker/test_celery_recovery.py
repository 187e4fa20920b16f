"""Nothing lost: a worker killed with -9, a Redis restarted without persistence.

Both end with every document final and stored exactly once, compared with the same files
run in-process into SQLite.
"""

from __future__ import annotations

import os
import re
import signal
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import text

from db import queries
from tests.worker.conftest import (
    RedisServer,
    Stack,
    all_final,
    batch_of,
    documents,
    make_corpus,
    wait_until,
)

FAMILIES = ("landscape", "portrait", "rotated", "variants")


def in_process(stack: Stack, corpus: Path, tmp: Path) -> dict[str, tuple[str, int, int]]:
    """sha256 → (status, projects, indicators) of the same files run in-process into SQLite."""
    local = {
        "JIXIAO_BROKER_URL": "",
        "JIXIAO_DATABASE_URL": f"sqlite:///{tmp / 'reference.db'}",
        "JIXIAO_STORE": str(tmp / "reference-store"),
    }
    done = stack.jixiao("ingest", "--workers", "2", str(corpus), env=local)
    assert done.returncode == 0, done.stderr
    return summary(documents(stack, env=local))


def summary(rows: list[dict[str, Any]]) -> dict[str, tuple[str, int, int]]:
    return {r["sha256"]: (r["status"], r["projects"], r["indicators"]) for r in rows}


def assert_stored_exactly_once(stack: Stack, batch: int, expected: dict[str, tuple[str, int, int]]) -> None:
    rows = all_final(stack, batch)
    assert rows is not None
    assert summary(rows) == expected
    with stack.engine.connect() as conn:
        doubled = conn.execute(
            text(
                "SELECT d.sha256 FROM documents d JOIN indicators i ON i.document_id = d.id "
                "GROUP BY d.sha256 HAVING count(*) <> count(DISTINCT (i.project_id, i.ordinal))"
            )
        ).all()
    assert doubled == []


def reconcile(stack: Stack) -> int:
    """Run `jixiao reconcile`; how many documents it re-enqueued."""
    done = stack.jixiao("reconcile")
    assert done.returncode == 0, done.stderr
    match = re.search(r"(\d+) re-enqueued", done.stderr)
    return int(match.group(1)) if match else 0


def test_a_worker_killed_with_sigkill_mid_batch_loses_no_document(stack: Stack, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 8, 9, FAMILIES, min_pages=12)
    expected = in_process(stack, corpus, tmp_path)

    done = stack.jixiao("ingest", "--no-wait", str(corpus))
    assert done.returncode == 0, done.stderr
    batch = batch_of(done)

    victim = f"w1@{socket.gethostname()}"
    app = stack.app()

    def busy() -> str | None:
        """A document the victim is parsing right now (still `running` in the database)."""
        active = app.control.inspect(destination=[victim], timeout=0.5).active() or {}
        for task in active.get(victim, []):
            sha = str(task["kwargs"]["sha256"])
            ref = queries.find_document(stack.engine, sha)
            if ref is not None and ref.status == "running":
                return sha
        return None

    held = wait_until(busy, 60, f"{victim} to be parsing a document")
    os.killpg(stack.pid("worker-1"), signal.SIGKILL)  # the worker and its pool process, no goodbye
    held_ref = queries.find_document(stack.engine, held)
    assert held_ref is not None and held_ref.status == "running", "the victim finished before it died"

    restarted = stack.launcher(
        "start", "--workers", "2", "--concurrency", "1", "--no-flower", "--no-beat", "--wait"
    )
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert "worker-1: started" in restarted.stdout and "worker-2: already running" in restarted.stdout

    requeued = 0

    def recovered() -> bool:
        nonlocal requeued
        if all_final(stack, batch):
            return True
        requeued += reconcile(stack)  # the killed worker's message waits out the visibility timeout
        return False

    wait_until(recovered, 120, "every document of the batch to be final", interval=1.0)
    assert_stored_exactly_once(stack, batch, expected)
    assert requeued >= 1  # the document the worker died holding came back through reconcile


def test_redis_restarted_without_persistence_mid_batch_then_reconcile_finishes_it(
    stack: Stack, redis_server: RedisServer, tmp_path: Path
) -> None:
    corpus = make_corpus(tmp_path / "corpus", 16, 10, FAMILIES, min_pages=6)
    expected = in_process(stack, corpus, tmp_path)

    done = stack.jixiao("ingest", "--no-wait", str(corpus))
    assert done.returncode == 0, done.stderr
    batch = batch_of(done)

    def started() -> bool:
        s = queries.batch_summary(stack.engine, batch)
        return s.total - s.pending >= 1

    wait_until(started, 60, "the first document to finish")
    redis_server.restart()  # the queue and every unacknowledged message are gone
    pending = queries.batch_summary(stack.engine, batch).pending
    assert pending >= 3, "the batch finished before Redis restarted: nothing was at stake"

    requeued = reconcile(stack)
    assert requeued >= 1

    wait_until(lambda: all_final(stack, batch), 120, "every document of the batch to be final", interval=0.5)
    assert_stored_exactly_once(stack, batch, expected)
