"""What `jixiao ingest` tells a person while a batch runs and when it ends (all on stderr).

On a terminal one line updates in place; in a log (CI, `nohup`, a pipe) a plain line is
written every `interval` seconds and at the end, so the log neither floods nor stays silent.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TextIO

from worker.inprocess import Tick

TTY_REFRESH = 0.1  # seconds between redraws of the terminal line


class ProgressLine:
    """A `worker.inprocess.Listener` that prints documents done/total, pages/s and failures."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None, interval: float = 10.0) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.interval = interval
        self._last_print = float("-inf")  # the first report always shows
        self._open_line = False

    def __call__(self, tick: Tick) -> None:
        self._show(format_tick(tick), final=tick.done == tick.total)

    def receiving(self, stage: str, done: int, total: int) -> None:
        """A `pipeline.progress.Progress` for `worker.receive.receive`: files kept and recorded."""
        if total and done:  # from the first file kept: "0/N" says nothing yet
            self._show(f"received {done}/{total} files", final=done == total)

    def _show(self, line: str, final: bool) -> None:
        now = time.monotonic()
        if not final and now - self._last_print < (TTY_REFRESH if self.tty else self.interval):
            return
        self._last_print = now
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
            self._open_line = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the updating line so what follows starts on a line of its own."""
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()
            self._open_line = False


def format_tick(tick: Tick) -> str:
    return (
        f"{tick.done}/{tick.total} documents, {tick.pages} pages, "
        f"{tick.pages_per_second:.1f} pages/s, {tick.failed} failed"
    )


def summary_lines(
    batch_id: int,
    counts: dict[str, int],
    failures: Sequence[tuple[str, str | None]],
    unreadable: Sequence[tuple[str, str]] = (),
    ignored: int = 0,
    resumed: int = 0,
    skipped: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """The end-of-batch report: counts per outcome, then each failed file with its reason."""
    order = ("stored", "duplicate", "no_table", "failed", "queued", "running")
    parts = [f"{counts.get(k, 0)} {k}" for k in order if counts.get(k, 0) or k in order[:4]]
    lines = [f"batch {batch_id}: " + ", ".join(parts)]
    if resumed:
        lines.append(f"{resumed} document(s) resumed: received before, left unfinished by an earlier run")
    if ignored:
        lines.append(f"{ignored} file(s) ignored: not .pdf or .zip")
    for source_name, reason in failures:
        lines.append(f"failed: {source_name}: {reason or 'no reason recorded'}")
    for source_name, reason in unreadable:
        lines.append(f"not received: {source_name}: {reason}")
    if skipped:
        lines.append(
            f"{len(skipped)} skipped: symbolic links, special files and unreadable folders are not read"
        )
    for source_name, reason in skipped:
        lines.append(f"skipped: {source_name}: {reason}")
    return lines
