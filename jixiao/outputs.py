"""Where `--out` may write: never onto the database, into the store, or over an input.

`export --out jixiao.db` once truncated the database it was reading. The check runs before
the database is opened; a refusal is one line (`click.ClickException`, exit status 1).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from worker.settings import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def check_out(out: Path, settings: Settings, kind: str = "text") -> None:
    """Raise `click.ClickException` (one line) when writing `out` would destroy something.

    `kind` is what the command writes: "text" (jsonl, csv, html) or "xlsx"; an existing file
    is overwritten only when it is of that kind (a previous export), never when it is a
    database, a PDF or an archive."""
    reason = out_problem(out, settings, kind)
    if reason is not None:
        raise click.ClickException(f"refusing to write {out}: {reason}")


def out_problem(out: Path, settings: Settings, kind: str = "text") -> str | None:
    """Why `out` must not be written, or None."""
    target = Path(os.path.abspath(out)).resolve()  # a link to the database is the database
    if not target.parent.is_dir():
        return f"no such folder {out.parent}; create it first"
    database = sqlite_file(settings.database_url)
    if database is not None and target in {Path(f"{database}{side}") for side in SQLITE_SIDE_FILES}:
        return f"it is the database ({database}); choose another file name"
    store = settings.store.resolve()
    if target == store or store in target.parents:
        return f"it is inside the store folder ({store}); write somewhere else"
    if target.is_file():
        found = _existing_kind(target)
        if found not in (kind, "empty"):
            return f"it is {_NAMES.get(found, found)}, not a previous export; choose another file name or remove it first"
    return None


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL (resolved), None for another database or :memory:."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


_NAMES = {
    "sqlite": "an SQLite database",
    "pdf": "a PDF",
    "zip": "a zip archive",
    "binary": "a binary file",
    "text": "a text file",
    "xlsx": "an Excel workbook",
}


def _existing_kind(path: Path) -> str:
    """What an existing file holds: "empty", "sqlite", "pdf", "zip", "xlsx", "binary" or "text"."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError:
        return "text"  # writing it will say why it cannot be written
    if not head:
        return "empty"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
        return "xlsx" if "[Content_Types].xml" in names else "zip"  # a workbook has one
    return "binary" if b"\x00" in head else "text"
