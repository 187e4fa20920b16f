"""Following a batch from the database until every document in it is final.

The database, not the broker, says where a batch stands, so following works from any
machine and survives a restarted broker. When nothing moves for a while the follower asks
whether any worker is alive, and stops with a reason instead of waiting in silence.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine

from db import queries
from worker.inprocess import Listener, Tick


class NoWorkerError(RuntimeError):
    """No worker answered: the batch cannot progress until one is started."""


def summary_tick(summary: queries.BatchSummary, elapsed: float) -> Tick:
    done = summary.total - summary.pending
    return Tick(done, summary.total, summary.pages_done, summary.failed, elapsed, "", "")


def follow(
    engine: Engine,
    batch_id: int,
    listener: Listener,
    *,
    workers_alive: Callable[[], bool],
    poll: float = 0.5,
    stall: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
) -> queries.BatchSummary:
    """Poll the batch every `poll` seconds, report each change to `listener`, return when final.

    After `stall` seconds without a document finishing, `workers_alive()` is asked; False
    raises `NoWorkerError` (the documents stay queued for when a worker comes).
    """
    started = clock()
    last_done = -1
    last_change = started
    while True:
        summary = queries.batch_summary(engine, batch_id)
        now = clock()
        done = summary.total - summary.pending
        if done != last_done:
            listener(summary_tick(summary, now - started))
            last_done, last_change = done, now
        if summary.finished:
            return summary
        if now - last_change >= stall:
            if not workers_alive():
                raise NoWorkerError(
                    f"no worker answered and nothing finished for {stall:.0f} s; "
                    f"{summary.pending} document(s) stay queued"
                )
            last_change = now
        time.sleep(poll)
