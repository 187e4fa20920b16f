"""Receiving files into a batch: keep their bytes, record them, say what needs parsing.

Shared by every way of running a batch (in-process or through a broker): a file is
first kept in the content-addressed store and registered, so the database knows of it
before anything tries to parse it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import Engine

from db import blobstore, intake, queries, transitions
from pipeline.progress import Progress, no_progress

HOLD = 120.0  # seconds a run holds the unfinished documents it recorded; renewed while it lives
RENEW_EVERY = 30.0  # seconds between renewals


@dataclass(frozen=True)
class Job:
    """One document to parse: the worker reads its bytes from the store."""

    sha256: str
    source_name: str
    store_path: str


class Incoming(Protocol):
    """A file that enters a batch (`jixiao.inputs.InputFile` is one).

    `open()` returns a binary file object that `receive` reads in chunks and closes; it may
    raise `NotReceived` (at once or while being read) to leave the file out with that reason.
    """

    @property
    def source_name(self) -> str: ...

    @property
    def problem(self) -> str | None: ...

    def open(self) -> BinaryIO: ...


class NotReceived(Exception):
    """Raised by an `Incoming`'s stream: the file is left out; the message is the whole reason."""


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
    hold: float | None = None,
) -> Received:
    """Keep each file's bytes in the content-addressed store and record it in the batch.

    A file already known (same SHA-256) is recorded as a duplicate submission and not
    parsed again — unless that document never reached a final state and the run that held it
    let go or died (its hold ran out): then it is resumed, parsed in this batch. This run
    holds what it records for `hold` seconds and must renew the hold while it lives
    (`db.transitions.renew`); without `hold` nothing is held or resumed. A file that arrived unusable (`problem`) is recorded as failed at once. Each file
    is streamed to the store while it is hashed, so memory does not grow with its size; one
    that cannot be read, or that its stream refuses (`NotReceived`: a size limit), is not
    recorded but listed in `unreadable` with the reason.
    `progress("receive", done, total)` follows along (a large archive takes a while).
    """
    received = Received()
    total = len(files) if isinstance(files, Sized) else 0
    for done, item in enumerate(files):
        progress("receive", done, total)
        try:
            stream = item.open()
        except Exception as exc:  # noqa: BLE001 — one unreadable file (I/O, a damaged zip member) stops nothing
            received.unreadable.append((item.source_name, _not_received_reason(item, exc)))
            continue
        try:
            with stream:
                sha256, path = blobstore.put_stream(store_dir, _Source(stream))
        except _SourceError as exc:  # reading the file failed; the store's own errors go up
            received.unreadable.append((item.source_name, _not_received_reason(item, exc.error)))
            continue
        reg = intake.register(engine, batch_id, sha256, item.source_name, str(path), lease=hold)
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


class _SourceError(Exception):
    """Reading the incoming file failed (not writing the store): `error` says why."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _Source:
    """An incoming stream whose read errors are told apart from the store's write errors."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except Exception as exc:  # noqa: BLE001 — whatever the file's reader raises is about that file
            raise _SourceError(exc) from exc


def _not_received_reason(item: Incoming, exc: Exception) -> str:
    if isinstance(exc, NotReceived):
        reason = str(exc)
    else:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        reason = f"cannot read the file: {detail}"
    return f"{item.problem}; {reason}" if item.problem else reason


def queued_jobs(engine: Engine, batch_id: int | None = None, *, running: bool = False) -> list[Job]:
    """The documents still waiting to be parsed (a `--no-wait` batch, an interrupted run).

    `running=True` adds those left `running` by a process that was killed outright; only
    safe when no other run is still at work on them.
    """
    refs = queries.documents_in_state(
        engine, ["queued", "running"] if running else ["queued"], batch_id=batch_id
    )
    return [Job(r.sha256, r.source_name, r.store_path) for r in refs]
