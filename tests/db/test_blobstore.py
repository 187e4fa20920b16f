"""The content-addressed PDF store."""

from __future__ import annotations

import hashlib
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
