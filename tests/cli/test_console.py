"""Progress and summary text: one updating line on a terminal, sparse plain lines in a log."""

from __future__ import annotations

import io

from jixiao.console import ProgressLine, summary_lines
from worker.inprocess import Tick


def ticks(total: int) -> list[Tick]:
    return [Tick(i, total, 10 * i, i // 3, 2.0 * i, f"d{i}.pdf", "stored") for i in range(1, total + 1)]


def test_on_a_terminal_one_line_updates_in_place_and_is_ended_on_close() -> None:
    out = io.StringIO()
    line = ProgressLine(out, tty=True)
    for tick in ticks(3):
        line(tick)
    line.close()
    text = out.getvalue()
    # The first and the last report are drawn; those in between only if 0.1 s has passed.
    assert text.startswith("\r1/3 documents") and text.endswith("\n") and text.count("\n") == 1
    assert text.endswith("\r3/3 documents, 30 pages, 5.0 pages/s, 1 failed\x1b[K\n")


def test_in_a_log_lines_come_at_most_every_interval_and_at_the_end() -> None:
    out = io.StringIO()
    line = ProgressLine(out, tty=False, interval=3600)
    for tick in ticks(50):
        line(tick)
    line.close()
    assert out.getvalue() == (
        "1/50 documents, 10 pages, 5.0 pages/s, 0 failed\n50/50 documents, 500 pages, 5.0 pages/s, 16 failed\n"
    )


def test_receiving_files_is_shown_too_and_nothing_when_the_total_is_unknown() -> None:
    out = io.StringIO()
    line = ProgressLine(out, tty=False, interval=3600)
    for i in range(101):
        line.receiving("receive", i, 100)
    line.receiving("receive", 5, 0)
    assert out.getvalue() == "received 1/100 files\nreceived 100/100 files\n"


def test_the_summary_counts_outcomes_and_names_each_failure_with_its_reason() -> None:
    lines = summary_lines(
        7,
        {"stored": 3, "duplicate": 1, "no_table": 0, "failed": 2, "queued": 0, "running": 0},
        [("x.pdf", "encrypted PDF: a password is required to open it"), ("y.pdf", None)],
        unreadable=[("z.pdf", "cannot read the file: Permission denied")],
        ignored=2,
    )
    assert lines == [
        "batch 7: 3 stored, 1 duplicate, 0 no_table, 2 failed",
        "2 file(s) ignored: not .pdf or .zip",
        "failed: x.pdf: encrypted PDF: a password is required to open it",
        "failed: y.pdf: no reason recorded",
        "not received: z.pdf: cannot read the file: Permission denied",
    ]
