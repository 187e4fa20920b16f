"""A batch through Redis, two worker processes and PostgreSQL, watched in Flower.

One stack for the module (deploy/run-local: 2 workers × 1 process, beat, Flower with basic
auth); every test sends its own files through it with the `jixiao` command.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select, text, update

from db.models import Document
from pipeline import PIPELINE_VERSION
from tests.fixtures.render import render_pdf
from tests.fixtures.truths import TruthParams, random_truth
from tests.worker.conftest import (
    FINAL,
    RedisServer,
    Stack,
    all_final,
    batch_of,
    documents,
    jsonl,
    make_corpus,
    start_stack,
    wait_until,
)
from worker.runtime import Attempts

SHA_IN_KWARGS = re.compile(r"'sha256': '([0-9a-f]{64})'")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer, pg_database: str
) -> Iterator[Stack]:
    s = start_stack(
        tmp_path_factory.mktemp("stack"),
        redis_server,
        pg_database,
        workers=2,
        with_flower=True,
        with_beat=True,
    )
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six good documents of four layouts, the seven bad inputs (one of them a duplicate), and
    one unit's 2024 and 2025 tables with a project copied unchanged (a cross-year finding)."""
    out = make_corpus(
        tmp_path_factory.mktemp("archive"), 6, 5, ("landscape", "portrait", "rotated", "variants", "bad")
    )
    params = TruthParams(projects=(3, 4), min_year=2024, max_year=2024, null_rate=0.0)
    earlier = random_truth(random.Random(61), params)
    fresh = random_truth(random.Random(62), params).projects[1:]
    later = replace(earlier, budget_year=2025, projects=(earlier.projects[0], *fresh))
    (out / "years").mkdir()
    for truth in (earlier, later):
        (out / "years" / f"{truth.budget_year}.pdf").write_bytes(render_pdf(truth))
    return out


@pytest.fixture(scope="module")
def broker_batch(stack: Stack, archive: Path) -> int:
    done = stack.jixiao("ingest", str(archive))
    assert done.returncode == 0, done.stderr + stack.logs()
    assert re.search(r"batch \d+: \d+ stored", done.stderr), done.stderr
    return batch_of(done)


def one_pdf(tmp: Path, seed: int, family: str = "portrait") -> Path:
    out = make_corpus(tmp / f"corpus-{seed}", 1, seed, (family,))
    return next(out.glob(f"{family}/*.pdf"))


def tasks_by_sha(tasks: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks.values():
        match = SHA_IN_KWARGS.search(task.get("kwargs") or "")
        if task.get("name") == "jixiao.process_document" and match:
            found[match.group(1)].append(task)
    return found


# --------------------------------------------------------------------------- the same rows


def test_a_batch_through_redis_and_two_workers_equals_the_in_process_run_row_for_row(
    stack: Stack, archive: Path, broker_batch: int, tmp_path: Path
) -> None:
    local = {
        "JIXIAO_BROKER_URL": "",
        "JIXIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'inprocess.db'}",
        "JIXIAO_STORE": str(tmp_path / "store"),
    }
    done = stack.jixiao("ingest", "--workers", "2", str(archive), env=local)
    assert done.returncode == 0, done.stderr

    broker_docs = documents(stack, broker_batch)
    local_docs = documents(stack, env=local)
    assert broker_docs == local_docs
    assert {d["status"] for d in broker_docs} == {"stored", "no_table", "failed", "duplicate"}

    shas = {d["sha256"] for d in broker_docs}
    for verb in ("export", "findings"):
        local_rows = jsonl(stack.jixiao(verb, "--format", "jsonl", env=local).stdout)
        broker_rows = [
            r for r in jsonl(stack.jixiao(verb, "--format", "jsonl").stdout) if r["document_sha256"] in shas
        ]
        assert broker_rows == local_rows, verb
    assert len(local_rows) > 0  # findings
    assert "Y1" in {r["rule"] for r in local_rows}  # the copied project, filed across documents
    assert sum(d["indicators"] for d in broker_docs if d["status"] == "stored") > 200


# --------------------------------------------------------------------------- Flower


def test_flower_lists_each_document_task_with_its_identifiers_and_final_state(
    stack: Stack, broker_batch: int
) -> None:
    originals = [d for d in documents(stack, broker_batch) if d["status"] != "duplicate"]

    def final_in_flower() -> dict[str, list[dict[str, Any]]] | None:
        status, tasks = stack.flower("/api/tasks?limit=2000")
        assert status == 200
        found = tasks_by_sha(tasks)
        done = all(
            any(t["state"] in ("SUCCESS", "FAILURE") for t in found.get(d["sha256"], [])) for d in originals
        )
        return found if done else None

    found = wait_until(final_in_flower, 30, "Flower to show every task of the batch final")
    workers_used = set()
    for doc in originals:
        task = next(t for t in found[doc["sha256"]] if t["state"] in ("SUCCESS", "FAILURE"))
        assert repr(doc["source_name"]) in task["kwargs"]
        assert "'unit_name': None, 'budget_year': None" in task["kwargs"]  # known only after extraction
        workers_used.add(task["worker"])
        if doc["status"] == "failed":
            assert task["state"] == "FAILURE"
            assert doc["error"] in task["exception"]
            assert task["retries"] == 0  # a bad PDF fails once, at once
        else:
            assert task["state"] == "SUCCESS"
            assert f"'status': '{doc['status']}'" in task["result"]

    status, workers = stack.flower("/api/workers?refresh=1")
    assert status == 200
    names = {f"w1@{socket.gethostname()}", f"w2@{socket.gethostname()}"}
    assert names <= set(workers)
    assert workers_used == names  # both worker processes took part

    for path in ("/api/tasks", "/api/workers", f"/api/task/info/{task['uuid']}"):
        assert stack.flower(path, auth=False)[0] == 401


def test_flower_shows_stage_and_page_while_a_document_runs(stack: Stack, tmp_path: Path) -> None:
    long_docs = make_corpus(tmp_path / "long", 3, 21, ("landscape",), min_pages=12)
    seen: dict[str, list[str]] = defaultdict(list)
    backend = BackendStates(stack.redis)
    ingest = stack.popen_jixiao("ingest", str(long_docs))
    while ingest.poll() is None:
        _, tasks = stack.flower("/api/tasks?state=PROGRESS&limit=50")
        for task in (tasks or {}).values():
            match = SHA_IN_KWARGS.search(task["kwargs"] or "")
            if match and (not seen[match.group(1)] or seen[match.group(1)][-1] != task["result"]):
                seen[match.group(1)].append(task["result"])
    out, err = ingest.communicate()
    backend.close()
    assert ingest.returncode == 0, err

    pages = {d["sha256"]: d["pages"] for d in documents(stack, batch_of_output(out))}
    assert seen, "Flower never showed a task in PROGRESS"
    assert set(seen) <= set(pages)
    for sha, texts in seen.items():
        for shown in texts:
            match = re.fullmatch(r"extract page (\d+)/(\d+)|(normalize|validate|store) \d/1", shown)
            assert match, shown
            if match.group(1):
                assert 1 <= int(match.group(1)) <= int(match.group(2)) == pages[sha]
    assert any(t.startswith("extract page") for texts in seen.values() for t in texts)

    # AsyncResult clients get the same through the result backend: every stage, pages counted
    progress = [m["result"] for m in backend.messages if m["status"] == "PROGRESS"]
    assert {p["stage"] for p in progress} == {"extract", "normalize", "validate", "store"}
    assert {p["total"] for p in progress if p["stage"] == "extract"} == set(pages.values())


class BackendStates:
    """Every state the Redis result backend publishes while it is open (the pub/sub AsyncResult uses)."""

    def __init__(self, redis: RedisServer) -> None:
        self.pubsub = redis.client().pubsub(ignore_subscribe_messages=True)
        self.pubsub.psubscribe("celery-task-meta-*")
        self.messages: list[dict[str, Any]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._listen)
        self.thread.start()

    def _listen(self) -> None:
        while not self.stop.is_set():
            message = self.pubsub.get_message(timeout=0.1)
            if message and message["type"] == "pmessage":
                self.messages.append(json.loads(message["data"]))

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.pubsub.close()


def batch_of_output(stdout: str) -> int:
    return int(stdout.splitlines()[0].split()[1])


# --------------------------------------------------------------------------- at once, again, anew


def test_the_same_file_submitted_twice_at_the_same_moment_is_stored_once(
    stack: Stack, tmp_path: Path
) -> None:
    pdf = one_pdf(tmp_path, 33)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "report.pdf", tmp_path / "b" / "report-copy.pdf"
    shutil.copy(pdf, first)
    shutil.copy(pdf, second)

    procs = [stack.popen_jixiao("ingest", str(first)), stack.popen_jixiao("ingest", str(second))]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs

    rows = [row for out, _ in outputs for row in documents(stack, batch_of_output(out))]
    assert sorted(r["status"] for r in rows) == ["duplicate", "stored"]
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    with stack.engine.connect() as conn:
        assert len(conn.execute(select(Document.id).where(Document.sha256 == sha)).all()) == 1
        counts = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT (project_id, ordinal)) FROM indicators i "
                "JOIN documents d ON d.id = i.document_id WHERE d.sha256 = :sha"
            ),
            {"sha": sha},
        ).one()
    assert counts[0] == counts[1] == rows[0]["indicators"] > 0


def test_reprocess_after_a_pipeline_version_change_replaces_rows_and_readers_never_see_none(
    stack: Stack, broker_batch: int
) -> None:
    stored = [d for d in documents(stack, broker_batch) if d["status"] == "stored"]
    shas = [d["sha256"] for d in stored]
    count_sql = text(
        "SELECT d.sha256, count(i.id), min(i.id), max(i.id) FROM documents d "
        "LEFT JOIN indicators i ON i.document_id = d.id WHERE d.sha256 = ANY(:shas) GROUP BY d.sha256"
    )

    def snapshot() -> dict[str, tuple[int, int, int]]:
        with stack.engine.connect() as conn:
            return {sha: (n, lo, hi) for sha, n, lo, hi in conn.execute(count_sql, {"shas": shas})}

    before = snapshot()
    # The rows were made by an older pipeline: what a release that bumps PIPELINE_VERSION finds.
    with stack.engine.begin() as conn:
        conn.execute(update(Document).where(Document.sha256.in_(shas)).values(pipeline_version="0"))

    lowest: dict[str, int] = {sha: n for sha, (n, _, _) in before.items()}
    reads = 0
    stop = threading.Event()

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            for sha, (n, _, _) in snapshot().items():  # one statement: one consistent view
                lowest[sha] = min(lowest[sha], n)
            reads += 1

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        done = stack.jixiao("reprocess", "--outdated")
        assert done.returncode == 0, done.stderr
        assert f"{len(shas)} outdated document(s) queued" in done.stderr

        def replaced() -> bool:
            with stack.engine.connect() as conn:
                rows = conn.execute(
                    select(Document.status, Document.pipeline_version).where(Document.sha256.in_(shas))
                ).all()
            return all(s in FINAL and v == PIPELINE_VERSION for s, v in rows)

        wait_until(replaced, 60, "every outdated document to be stored again")
    finally:
        stop.set()
        thread.join()

    after = snapshot()
    assert {sha: n for sha, (n, _, _) in after.items()} == {sha: n for sha, (n, _, _) in before.items()}
    assert all(after[sha][1] > before[sha][2] for sha in shas)  # new rows, not the old ones kept
    assert reads > 0 and min(lowest.values()) > 0, lowest
    again = stack.jixiao("reprocess", "--outdated")
    assert "0 outdated document(s) queued" in again.stderr


def test_retry_failed_reruns_the_failed_documents_of_a_batch_only(stack: Stack, broker_batch: int) -> None:
    def states() -> dict[str, tuple[str, str | None, Any]]:
        with stack.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT d.sha256, d.status, d.error, d.updated_at FROM documents d JOIN submissions s "
                    "ON s.document_id = d.id WHERE s.batch_id = :b AND NOT s.duplicate"
                ),
                {"b": broker_batch},
            ).all()
        return {sha: (status, error, at) for sha, status, error, at in rows}

    wait_until(lambda: all_final(stack, broker_batch), 60, "the batch to be final")
    before = states()
    failed = {sha for sha, (status, _, _) in before.items() if status == "failed"}
    assert len(failed) >= 4

    done = stack.jixiao("retry", "--failed", "--batch", str(broker_batch))
    assert done.returncode == 0, done.stderr
    assert f"{len(failed)} failed document(s) queued" in done.stderr

    def rerun() -> dict[str, tuple[str, str | None, Any]] | None:
        now = states()
        ok = all(now[sha][0] == "failed" and now[sha][2] > before[sha][2] for sha in failed)
        return now if ok else None

    after = wait_until(rerun, 60, "the failed documents to run again")
    for sha, (status, error, at) in after.items():
        if sha in failed:
            assert error == before[sha][1]  # the same reason, found again
        else:
            assert (status, at) == (before[sha][0], before[sha][2])  # untouched


def test_a_file_that_keeps_killing_workers_ends_failed_and_retry_gives_it_a_fresh_start(
    stack: Stack, tmp_path: Path
) -> None:
    pdf = one_pdf(tmp_path, 44)
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    # As if three deliveries had died with their worker process already.
    stack.redis.client().set(Attempts.key(sha), 3)

    done = stack.jixiao("ingest", str(pdf))
    assert done.returncode == 0, done.stderr
    batch = batch_of(done)
    [row] = documents(stack, batch)
    assert row["status"] == "failed"
    assert row["error"].startswith("the worker process died 3 times while parsing this file")

    retried = stack.jixiao("retry", "--failed", "--batch", str(batch))
    assert retried.returncode == 0, retried.stderr
    [row] = wait_until(lambda: all_final(stack, batch), 60, "the retried document")
    assert row["status"] == "stored"
    assert stack.redis.client().get(Attempts.key(sha)) is None


def test_with_no_live_worker_ingest_says_so_within_seconds_and_leaves_the_documents_queued(
    stack: Stack, tmp_path: Path
) -> None:
    pdf = one_pdf(tmp_path, 55)
    lonely = {
        "JIXIAO_BROKER_URL": stack.redis.url(db=9),  # no worker consumes or answers there
        "JIXIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'lonely.db'}",
    }
    started = time.monotonic()
    done = stack.jixiao("ingest", str(pdf), env=lonely)
    elapsed = time.monotonic() - started

    assert done.returncode == 1
    assert elapsed < 20  # interpreter start-up included; the ping itself waits 2 s
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Error: no live worker answered on redis://127.0.0.1:")
    assert "1 document(s) stay queued" in line
    assert [r["status"] for r in documents(stack, env=lonely)] == ["queued"]
    # and its task waits in that broker's queue for whoever comes
    assert Redis(port=stack.redis.port, db=9).llen("jixiao") == 1
