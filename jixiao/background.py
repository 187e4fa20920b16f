"""Parsing in the background on this machine: `jixiao ingest --no-wait` hands its batch to a
detached `jixiao work --batch ID`; `jixiao serve` without a broker keeps one `jixiao work` going
while documents wait (`Runner`), however many uploads arrive."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from worker.settings import Settings


def start_background_work(
    settings: Settings, batch_id: int | None, workers: int | None
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start `jixiao work [--batch ID]` detached from this terminal; returns it and its log file.

    The settings travel in its environment (never a database URL on a command line `ps` shows).
    """
    log = settings.store / "logs" / (f"batch-{batch_id}.log" if batch_id is not None else "work.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "jixiao", "work"]
    command += ["--batch", str(batch_id)] if batch_id is not None else []
    command += ["--workers", str(workers)] if workers else []
    with log.open("ab") as out:
        child = subprocess.Popen(  # noqa: S603 — our own interpreter and module
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=settings.child_env(),
            start_new_session=True,
        )
    return child, log


class Runner:
    """One `jixiao work` (every queued document, on all cores) at a time. Work that arrives while
    it runs may come after its list was read: it is started once more when it ends."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.again = False

    def kick(self) -> None:
        """Documents were queued: see that a `jixiao work` will read them."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            else:
                self.again = True

    def stop(self) -> None:
        """Stop the running `jixiao work` (it lets its documents go; they stay queued)."""
        with self.lock:
            self.again = False
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()

    def _start(self) -> None:
        self.again = False
        self.proc, _ = start_background_work(self.settings, None, None)
        threading.Thread(target=self._watch, args=(self.proc,), daemon=True).start()

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        proc.wait()
        with self.lock:
            if self.again and self.proc is proc:
                self._start()
