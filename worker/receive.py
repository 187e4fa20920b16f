"""Receiving files into a batch: keep their bytes, record them, say what needs parsing.

Shared by every way of running a batch (in-process or through a broker): a file is
first kept in the content-addressed store and registered, so the database knows of it
before anything tries to parse it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from db import blobstore, intake, queries, transitions
from db.models import utcnow
from pipeline.progress import Progress, no_progress


@dataclass(frozen=True)
class Job:
    """One document to parse: the worker reads its bytes from the store."""

    sha256: str
    source_name: str
    store_path: str


class Incoming(Protocol):
    """A file that enters a batch (`jixiao.inputs.InputFile` is one)."""

    @property
    def source_name(self) -> str: ...

    @property
    def problem(self) -> str | None: ...

    @property
    def read(self) -> Callable[[], bytes]: ...


@dataclass
class Received:
    """What `receive` did with the files it was given."""

    jobs: list[Job] = field(default_factory=list)
    duplicates: int = 0
    resumed: int = 0  # known documents never finished by an earlier run: parsed in this one
    # (source_name, reason) pairs
    refused: list[tuple[str, str]] = field(default_factory=list)  # recorded as failed on arrival
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # no bytes: not recorded at all


def receive(
    engine: Engine,
    store_dir: Path,
    batch_id: int,
    files: Iterable[Incoming],
    progress: Progress = no_progress,
    *,
    stale_after: float | None = None,
) -> Received:
    """Keep each file's bytes in the content-addressed store and record it in the batch.

    A file already known (same SHA-256) is recorded as a duplicate submission and not
    parsed again — unless that document never reached a final state (an earlier run was
    stopped, or died `stale_after` seconds or more ago): then it is resumed, parsed in this
    batch. A file that arrived unusable (`problem`) is recorded as failed at once.
    `progress("receive", done, total)` follows along (a large archive takes a while).
    """
    received = Received()
    stale_before = None if stale_after is None else utcnow() - timedelta(seconds=stale_after)
    total = len(files) if isinstance(files, Sized) else 0
    for done, item in enumerate(files):
        progress("receive", done, total)
        try:
            data = item.read()
        except Exception as exc:  # noqa: BLE001 — one unreadable file (I/O, a damaged zip member) stops nothing
            reason = (
                exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            )
            received.unreadable.append((item.source_name, f"cannot read the file: {reason}"))
            continue
        sha256, path = blobstore.put(store_dir, data)
        reg = intake.register(
            engine, batch_id, sha256, item.source_name, str(path), stale_before=stale_before
        )
        received.resumed += reg.resumed
        if reg.duplicate:
            received.duplicates += 1
        elif item.problem is not None:
            transitions.mark_failed(engine, sha256, item.problem, stage="receive")
            received.refused.append((item.source_name, item.problem))
        else:
            received.jobs.append(Job(sha256, item.source_name, str(path)))
    if total:
        progress("receive", total, total)
    return received


def queued_jobs(engine: Engine, batch_id: int | None = None, *, running: bool = False) -> list[Job]:
    """The documents still waiting to be parsed (a `--no-wait` batch, an interrupted run).

    `running=True` adds those left `running` by a process that was killed outright; only
    safe when no other run is still at work on them.
    """
    refs = queries.documents_in_state(
        engine, ["queued", "running"] if running else ["queued"], batch_id=batch_id
    )
    return [Job(r.sha256, r.source_name, r.store_path) for r in refs]
