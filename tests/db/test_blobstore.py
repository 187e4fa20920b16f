"""The content-addressed PDF store."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path

import pytest

from db import blobstore


def test_put_stores_by_content(tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + "绩效表".encode() * 100
    digest, path = blobstore.put(tmp_path, data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert path == tmp_path / digest[:2] / f"{digest}.pdf" == blobstore.path_for(tmp_path, digest)
    assert path.read_bytes() == data


def test_put_twice_keeps_one_file_and_no_temporaries(tmp_path: Path) -> None:
    first = blobstore.put(tmp_path, b"%PDF-a")
    second = blobstore.put(tmp_path, b"%PDF-a")
    other = blobstore.put(tmp_path, b"%PDF-b")
    assert first == second and other[0] != first[0]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [f"{first[0]}.pdf", f"{other[0]}.pdf"]
    )


def test_put_repairs_a_truncated_copy(tmp_path: Path) -> None:
    digest, path = blobstore.put(tmp_path, b"%PDF-complete")
    path.write_bytes(b"%PDF")  # e.g. an older writer was killed mid-copy
    assert blobstore.put(tmp_path, b"%PDF-complete") == (digest, path)
    assert path.read_bytes() == b"%PDF-complete"


@pytest.mark.parametrize("bad", ["", "../../etc/passwd", "A" * 64, "g" * 64, "a" * 63])
def test_path_for_refuses_anything_but_a_sha256(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        blobstore.path_for(tmp_path, bad)


def test_put_stream_hashes_while_it_copies(tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 20_000  # several chunks
    digest, path = blobstore.put_stream(tmp_path, io.BytesIO(data))
    assert (digest, path) == blobstore.put(tmp_path, data)
    assert path.read_bytes() == data
    again = blobstore.put_stream(tmp_path, io.BytesIO(data))
    assert again == (digest, path)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]  # no temporaries left


def test_put_stream_keeps_nothing_when_the_stream_fails(tmp_path: Path) -> None:
    class Failing(io.RawIOBase):
        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            raise OSError(5, "Input/output error")

    with pytest.raises(OSError, match="Input/output"):
        blobstore.put_stream(tmp_path, Failing())  # type: ignore[arg-type]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_put_stream_memory_does_not_grow_with_the_size(tmp_path: Path) -> None:
    class Zeros(io.RawIOBase):
        left = 64 << 20

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            n = min(len(buffer), self.left)
            memoryview(buffer)[:n] = bytes(n)
            self.left -= n
            return n

    tracemalloc.start()
    try:
        digest, path = blobstore.put_stream(tmp_path, io.BufferedReader(Zeros()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert path.stat().st_size == 64 << 20
    assert digest == hashlib.sha256(bytes(64 << 20)).hexdigest()
    assert peak < 8 << 20, f"peak {peak / (1 << 20):.1f} MiB for a 64 MiB stream"
