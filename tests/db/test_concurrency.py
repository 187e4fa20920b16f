"""Many workers at once: no duplicate documents, no deadlocks, no moment without rows.

Threads start together on a barrier; nothing waits on time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine, func, select

from db import intake, queries, results, transitions
from db.models import Document, Indicator, Project, Submission
from tests.db.factories import document, findings, sha

DEADLOCK_GUARD_S = 120  # only bounds a hang; the threads are synchronised by a barrier


def _together(n: int, work: Callable[[int], object]) -> list[object]:
    """Run work(0..n-1) in n threads released at the same instant; re-raise the first error."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLOCK_GUARD_S)
    assert not any(t.is_alive() for t in threads), "workers still blocked: deadlock?"
    if errors:
        raise errors[0]
    return results


def test_concurrent_register_of_the_same_bytes_makes_one_original(engine: Engine) -> None:
    batch = intake.create_batch(engine, ["same"])
    regs = _together(8, lambda i: intake.register(engine, batch, sha("same"), f"copy{i}.pdf", "/s/same"))

    assert sum(not r.duplicate for r in regs) == 1
    assert len({r.document_id for r in regs}) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Document)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(Submission)).scalar_one() == 8
    statuses = [r["status"] for r in queries.document_rows(engine, batch)]
    assert sorted(statuses) == ["duplicate"] * 7 + ["queued"]


def test_concurrent_saves_registers_and_claims_do_not_deadlock(engine: Engine) -> None:
    """8 workers: each saves a shared document and its own, in opposite orders, amid registrations."""
    batch = intake.create_batch(engine, [])
    shared = intake.register(engine, batch, sha("shared"), "shared.pdf", "/s").sha256
    own = [intake.register(engine, batch, sha(f"own{i}"), f"own{i}.pdf", "/s").sha256 for i in range(8)]

    def work(i: int) -> None:
        order = [shared, own[i]] if i % 2 else [own[i], shared]
        for round_ in range(3):
            for digest in order:
                transitions.claim(engine, digest)
                results.save_outcome(engine, digest, document((1 + i % 3, 2)), findings(), f"v{round_}", {})
            intake.register(engine, batch, sha("shared"), f"again{i}.pdf", "/s")

    _together(8, work)

    rows = {r["sha256"]: r for r in queries.document_rows(engine, batch) if r["status"] != "duplicate"}
    assert {r["status"] for r in rows.values()} == {"stored"}
    assert rows[own[5]]["indicators"] == (1 + 5 % 3) + 2
    assert rows[shared]["projects"] == 2  # one copy, whichever save came last
    with engine.connect() as conn:
        per_project = conn.execute(
            select(Indicator.project_id, func.count()).group_by(Indicator.project_id)
        ).all()
        assert conn.execute(select(func.count()).select_from(Project)).scalar_one() == 2 * 9
    assert all(n <= 3 for _, n in per_project)


def test_reprocessing_is_seen_atomically(engine: Engine) -> None:
    """A reader polling during 50 replacements sees the old or the new rows, never none or a mix.

    After each save the writer waits until the reader has finished two more reads, so the reader
    certainly saw every shape; meanwhile it keeps reading while the next save runs.
    """
    batch = intake.create_batch(engine, [])
    digest = intake.register(engine, batch, sha("r"), "r.pdf", "/s").sha256
    shapes = [(2, 3), (4,), (1, 1, 1, 1, 1, 1)]  # 5, 4 or 6 indicators; 2, 1 or 6 projects
    results.save_outcome(engine, digest, document(shapes[0]), [], "v0", {})
    valid = {(len(s), sum(s)) for s in shapes}

    writer_done = threading.Event()
    progress = threading.Condition()
    reads = 0
    seen: list[tuple[int, int]] = []
    export_sizes: list[int] = []
    errors: list[BaseException] = []

    def read() -> None:
        nonlocal reads
        try:
            while not writer_done.is_set():
                (row,) = queries.document_rows(engine, batch)
                seen.append((row["projects"], row["indicators"]))
                export_sizes.append(len(list(queries.export_rows(engine))))
                with progress:
                    reads += 1
                    progress.notify_all()
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            with progress:
                reads = -1_000_000  # wakes the writer for good
                progress.notify_all()

    def wait_for_reads(after: int) -> None:
        with progress:
            progress.wait_for(lambda: reads >= after or reads < 0)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for i in range(50):
            results.save_outcome(engine, digest, document(shapes[(i + 1) % 3]), [], f"v{i}", {})
            with progress:
                committed_at = reads
            wait_for_reads(committed_at + 2)
    finally:
        writer_done.set()
        reader.join(timeout=DEADLOCK_GUARD_S)
    assert not reader.is_alive()

    assert errors == []
    assert len(seen) >= 100
    assert set(seen) == valid, set(seen) - valid
    assert set(export_sizes) == {n for _, n in valid}
