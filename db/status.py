"""The states a received document goes through, as one enum.

    queued → running → stored | no_table | failed        (retry/reprocess: back to queued)

`duplicate` is not a document state: it is how a second submission of known bytes shows.
Members are `str`, so they compare equal to the column's text and print as it.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    STORED = "stored"
    FAILED = "failed"
    NO_TABLE = "no_table"

    @property
    def final(self) -> bool:
        return self in FINAL

    @property
    def pending(self) -> bool:
        return self in PENDING


FINAL: tuple[Status, ...] = (Status.STORED, Status.FAILED, Status.NO_TABLE)
PENDING: tuple[Status, ...] = (Status.QUEUED, Status.RUNNING)
DUPLICATE = "duplicate"  # a submission's status when its bytes were already known
SHOWN: tuple[str, ...] = (*Status, DUPLICATE)  # what `jixiao documents` may print
