"""Received PDFs kept on disk by content: `<store>/ab/abcdef….pdf`, ab = the first two hex digits.

Content addressing makes a second copy of the same bytes free and lets any worker find a
document from its SHA-256 alone. Writes go to a temporary file in the same folder and are
renamed into place, so a reader never sees a half-written PDF. `put_stream` hashes while it
copies, so a file of any size passes through in fixed-size chunks, never whole in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

CHUNK = 1 << 20  # bytes read and written at a time by `put_stream`


class Readable(Protocol):
    """What `put_stream` reads from: a binary file object, or anything with its `read`."""

    def read(self, size: int = -1, /) -> bytes: ...


_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_sha256(sha256: str) -> str:
    """Refuse anything but lower-case hex SHA-256: no typo matching nothing, no path tricks."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
    return sha256


def path_for(store_dir: Path, sha256: str) -> Path:
    check_sha256(sha256)
    return Path(store_dir) / sha256[:2] / f"{sha256}.pdf"


def put(store_dir: Path, data: bytes) -> tuple[str, Path]:
    """Store `data` (once) and return its SHA-256 and path."""
    sha256 = hashlib.sha256(data).hexdigest()
    target = path_for(store_dir, sha256)
    if target.is_file() and target.stat().st_size == len(data):
        return sha256, target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256, target


def put_stream(store_dir: Path, stream: Readable) -> tuple[str, Path]:
    """Store what `stream` yields until its end (once) and return its SHA-256 and path.

    The bytes go to a temporary file in the store while they are hashed, then the file is
    renamed to `<store>/ab/<sha256>.pdf`; memory use does not depend on the size. Whatever
    `stream.read` raises (a size limit, a damaged archive member) leaves nothing behind.
    """
    store_dir = Path(store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=store_dir, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha256 = digest.hexdigest()
        target = path_for(store_dir, sha256)
        if target.is_file() and target.stat().st_size == size:
            Path(tmp).unlink()
            return sha256, target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256, target
