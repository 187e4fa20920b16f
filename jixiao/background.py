"""Parsing a batch in the background on this machine: `jixiao ingest --no-wait` and uploads to
`jixiao serve` without a broker hand their batch to a detached `jixiao work --batch ID`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from worker.settings import Settings


def start_background_work(settings: Settings, batch_id: int, workers: int | None) -> tuple[int, Path]:
    """Start `jixiao work --batch ID` detached from this terminal; returns its pid and log file.

    The settings travel in its environment (never a database URL on a command line `ps` shows).
    """
    log = settings.store / "logs" / f"batch-{batch_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "jixiao", "work", "--batch", str(batch_id)]
    if workers:
        command += ["--workers", str(workers)]
    with log.open("ab") as out:
        child = subprocess.Popen(  # noqa: S603 — our own interpreter and module
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=settings.child_env(),
            start_new_session=True,
        )
    return child.pid, log
