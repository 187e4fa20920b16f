"""Ingest in broker mode: keep each file, record it, publish its task — one file at a time.

Publishing right after each registration lets workers start while a large archive is still
being received, and keeps the window in which a document is `queued` without a message
short (a crash inside it is what `jixiao reconcile` repairs).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine

from worker.receive import Incoming, Received, receive


def submit(
    engine: Engine,
    store_dir: Path,
    batch_id: int,
    files: Iterable[Incoming],
    *,
    hold: float | None = None,
) -> Received:
    """`worker.receive.receive` + `worker.tasks.enqueue` for every new document.

    Raises kombu's OperationalError when the broker is unreachable; what was recorded up to
    then stays `queued` in the database.
    """
    from worker.tasks import enqueue

    total = Received()
    for item in files:
        got = receive(engine, store_dir, batch_id, [item], hold=hold)
        if got.jobs:
            enqueue(got.jobs)
        total.jobs.extend(got.jobs)
        total.duplicates += got.duplicates
        total.resumed += got.resumed
        total.refused.extend(got.refused)
        total.unreadable.extend(got.unreadable)
    return total
