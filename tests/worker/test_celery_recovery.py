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
from worker.celeryconfig import PROCESS_TASK

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


def database_ports(group: int, db_port: int) -> set[int]:
    """Local ports of the TCP connections to `db_port` held by the processes of process group `group`."""
    inodes: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # gone meanwhile
        inodes.update(int(link[8:-1]) for link in links if link.startswith("socket:["))
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], int(fields[9])
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == db_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def active_backends(stack: Stack, ports: set[int]) -> int:
    """PostgreSQL backends of those client ports still running a statement."""
    if not ports:
        return 0
    with stack.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE client_port = ANY(:ports) AND state = 'active'"
                ),
                {"ports": sorted(ports)},
            ).scalar_one()
        )


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
            sha = (task.get("kwargs") or {}).get("sha256")
            if task.get("name") != PROCESS_TASK or not sha:
                continue  # a unit-rule refresh (jixiao.refresh_units) names no document
            ref = queries.find_document(stack.engine, sha)
            if ref is not None and ref.status == "running":
                return sha
        return None

    group = stack.pid("worker-1")  # the worker and its pool process

    def killed_holding() -> str | None:
        """Kill the victim (-9, no goodbye) while the database still holds its document unfinished.

        Killed the moment after its pool process sent the document's COMMIT, the server would
        still commit it (the bytes are in its socket): the group is frozen first, the server
        finishes whatever it received, and only a document still `running` then is killed over.
        """
        sha = busy()
        if sha is None:
            return None
        os.killpg(group, signal.SIGSTOP)
        ports = database_ports(group, stack.engine.url.port or 5432)
        wait_until(lambda: not active_backends(stack, ports), 30, "the frozen worker's statements to finish")
        ref = queries.find_document(stack.engine, sha)
        if ref is not None and ref.status == "running":
            os.killpg(group, signal.SIGKILL)
            return sha
        os.killpg(group, signal.SIGCONT)  # it had finished that one: let it take the next
        return None

    held = wait_until(killed_holding, 60, f"{victim} to be killed parsing a document")

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
    assert summary(all_final(stack, batch) or [])[held] == expected[held]


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
