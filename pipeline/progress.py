"""How stages report progress without knowing who listens (CLI bar, Celery state, nothing)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None:
        """`stage` is one of extract/normalize/validate/store; done/total count pages or rows."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The default listener: ignores every report."""
