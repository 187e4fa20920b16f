"""Which files a set of paths puts into a batch, in which order, under which names."""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from db import blobstore
from jixiao.inputs import MIB, InputError, Limits, collect
from tests.cli.files import (
    encrypted_member_zip,
    gbk_named_zip,
    overlapping_zip,
    plain_pdf,
    raw_named_zip,
    size_lying_zip,
    zip_of,
)
from worker.receive import NotReceived


def names(paths: list[Path]) -> list[str]:
    return [f.source_name for f in collect(paths).files]


def test_folders_are_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for rel in ("b.pdf", "a/z.pdf", "a/c.PDF", "C.Pdf", "notes.txt", "a/deeper/x.pdf", "a/image.png"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(b"x")

    result = collect([tree])

    assert [f.source_name for f in result.files] == [
        str(tree / "C.Pdf"),
        str(tree / "a/c.PDF"),
        str(tree / "a/deeper/x.pdf"),
        str(tree / "a/z.pdf"),
        str(tree / "b.pdf"),
    ]
    assert sorted(result.ignored) == [str(tree / "a/image.png"), str(tree / "notes.txt")]


def test_a_file_named_explicitly_enters_whatever_its_name(tmp_path: Path) -> None:
    odd = tmp_path / "scan.bin"
    odd.write_bytes(b"not a pdf")
    files = collect([odd]).files
    assert [(f.source_name, f.content(), f.problem) for f in files] == [(str(odd), b"not a pdf", None)]


def test_missing_paths_stop_everything_with_their_names(tmp_path: Path) -> None:
    real = tmp_path / "real.pdf"
    real.write_bytes(b"%PDF-")
    with pytest.raises(InputError, match="no such file or folder: .*nope.pdf"):
        collect([real, tmp_path / "nope.pdf"])


def test_zip_members_are_labels_never_paths(tmp_path: Path) -> None:
    archive = tmp_path / "in" / "batch.zip"
    archive.parent.mkdir()
    archive.write_bytes(
        zip_of(
            {
                "../evil.pdf": b"evil",
                "/abs/evil2.pdf": b"evil2",
                "sub/b.pdf": b"b",
                "a.PDF": b"a",
                "readme.txt": b"r",
                "__MACOSX/sub/._b.pdf": b"fork",
            }
        )
    )

    result = collect([archive])

    assert [(f.source_name, f.content()) for f in result.files] == [
        (f"{archive}!../evil.pdf", b"evil"),
        (f"{archive}!/abs/evil2.pdf", b"evil2"),
        (f"{archive}!a.PDF", b"a"),
        (f"{archive}!sub/b.pdf", b"b"),
    ]
    assert sorted(result.ignored) == [f"{archive}!__MACOSX/sub/._b.pdf", f"{archive}!readme.txt"]
    # Reading members wrote nothing anywhere.
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["batch.zip", "in"]


def test_zips_inside_folders_are_opened_too(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "pack.ZIP").write_bytes(zip_of({"x.pdf": b"x"}))
    assert names([tmp_path / "d"]) == [f"{tmp_path / 'd' / 'pack.ZIP'}!x.pdf"]


def test_gbk_member_names_from_chinese_windows_are_read_as_written(tmp_path: Path) -> None:
    archive = tmp_path / "w.zip"
    archive.write_bytes(gbk_named_zip("项目支出绩效表.pdf", b"x"))
    assert names([archive]) == [f"{archive}!项目支出绩效表.pdf"]


def test_an_encrypted_member_enters_with_a_problem_and_its_own_bytes(tmp_path: Path) -> None:
    one, two = tmp_path / "one.zip", tmp_path / "two.zip"
    one.write_bytes(encrypted_member_zip("secret.pdf", plain_pdf("one")))
    two.write_bytes(encrypted_member_zip("secret.pdf", plain_pdf("two")))
    [a] = collect([one]).files
    [b] = collect([two]).files
    assert a.problem is not None and "password" in a.problem
    # The raw member bytes are kept, so two different members stay two documents.
    assert a.content() and b.content() and a.content() != b.content()


def test_an_unreadable_archive_enters_as_one_file_with_a_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    [f] = collect([broken]).files
    assert f.source_name == str(broken)
    assert f.problem is not None and f.problem.startswith("not a readable zip archive")
    assert f.content() == broken.read_bytes()


# --------------------------------------------------------------------------- names as labels


def test_file_names_that_are_not_utf8_become_readable_labels(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path / "in")
    os.mkdir(folder)
    for raw in (b"a.pdf", "项目支出.pdf".encode("gbk"), b"\xff\xfe.pdf", b"tab\there.pdf"):
        with open(os.path.join(folder, raw), "wb") as fh:  # noqa: PTH123 — a bytes path on purpose
            fh.write(raw)
    result = collect([tmp_path / "in"])
    labels = [f.source_name for f in result.files]
    assert labels == [
        f"{tmp_path}/in/a.pdf",
        f"{tmp_path}/in/tab\\x09here.pdf",
        f"{tmp_path}/in/项目支出.pdf",
        f"{tmp_path}/in/\\xff\\xfe.pdf",
    ]
    for text in labels:
        text.encode("utf-8")  # no lone surrogates: a database takes them
    assert [f.content() for f in result.files][-1] == b"\xff\xfe.pdf"
    # The same names given on the command line (Python hands them over with surrogates).
    named = [os.fsdecode(os.path.join(folder, b"\xff\xfe.pdf"))]
    assert [f.source_name for f in collect(named).files] == [f"{tmp_path}/in/\\xff\\xfe.pdf"]


def test_zip_member_names_in_no_known_encoding_are_escaped(tmp_path: Path) -> None:
    archive = tmp_path / "odd.zip"
    archive.write_bytes(raw_named_zip(b"\xff\xfe\x01.pdf", b"x"))
    assert names([archive]) == [f"{archive}!\\xff\\xfe\\x01.pdf"]
    nul = tmp_path / "nul.zip"
    nul.write_bytes(raw_named_zip(b"a\x00b.pdf", b"x"))
    assert names([nul]) == [f"{nul}!a\\x00b.pdf"]


def test_a_zip_that_claims_utf8_names_but_has_none_enters_as_one_failed_file(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    archive.write_bytes(raw_named_zip(b"\xff\xfe.pdf", b"x", utf8_flag=True))
    [f] = collect([archive]).files
    assert f.source_name == str(archive)
    assert f.problem is not None and f.problem.startswith("not a readable zip archive")


# --------------------------------------------------------------------------- only regular files


def test_links_and_special_files_in_folders_are_skipped_and_named(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0")
    tree = tmp_path / "tree"
    (tree / "real").mkdir(parents=True)
    (tree / "real" / "c.pdf").write_bytes(b"c")
    (tree / "a.pdf").write_bytes(b"a")
    (tree / "b.pdf").symlink_to(secret)
    (tree / "loop.pdf").symlink_to(tree / "loop.pdf")
    (tree / "linked").symlink_to(tree / "real", target_is_directory=True)
    os.mkfifo(tree / "fifo.pdf")

    result = collect([tree])

    assert [f.source_name for f in result.files] == [str(tree / "a.pdf"), str(tree / "real" / "c.pdf")]
    assert dict(result.skipped) == {
        str(tree / "b.pdf"): "symbolic link, not followed (name the file it points to instead)",
        str(tree / "fifo.pdf"): "not a regular file (a FIFO); only regular files are read",
        str(tree / "linked"): "symbolic link, not followed (name the file it points to instead)",
        str(tree / "loop.pdf"): "symbolic link, not followed (name the file it points to instead)",
    }


def test_links_fifos_and_devices_on_the_command_line_are_skipped_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0")
    link = tmp_path / "b.pdf"
    link.symlink_to(secret)
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    folder = tmp_path / "real"
    folder.mkdir()
    (folder / "x.pdf").write_bytes(b"x")
    folder_link = tmp_path / "via"
    folder_link.symlink_to(folder, target_is_directory=True)

    result = collect([link, fifo, "/dev/zero", folder_link, f"{folder_link}/"])

    assert [reason.split(" (")[0] for _name, reason in result.skipped] == [
        "symbolic link, not followed",
        "not a regular file",
        "not a regular file",
        "symbolic link, not followed",
    ]
    assert [name for name, _reason in result.skipped] == [str(link), str(fifo), "/dev/zero", str(folder_link)]
    # A trailing slash names the folder a link points to: that is walked (its links are not).
    assert [f.source_name for f in result.files] == [f"{folder_link}/x.pdf"]


def test_a_file_swapped_for_a_fifo_after_the_walk_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"a")
    [f] = collect([path]).files
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(NotReceived, match="not a regular file"):
        f.open()
    path.unlink()
    path.symlink_to("/etc/passwd")
    with pytest.raises(NotReceived, match="symbolic link"):
        f.open()


def test_a_file_over_the_size_limit_is_refused_with_a_reason(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF" + bytes(3 * 1024 * 1024))
    [f] = collect([big], Limits(max_file_bytes=2 * MIB)).files
    with pytest.raises(
        NotReceived, match=r"file too large: 3\.0 MiB, the limit is 2 MiB \(JIXIAO_MAX_FILE_MB\)"
    ):
        f.open()
    # A file that grows after it was opened stops at the limit too.
    [g] = collect([big], Limits(max_file_bytes=4 * MIB)).files
    with g.open() as stream:
        with big.open("ab") as grow:
            grow.write(bytes(2 * MIB))
        with pytest.raises(NotReceived, match="file too large"):
            while stream.read(MIB):
                pass


# --------------------------------------------------------------------------- zip limits


def test_archives_over_the_limits_enter_as_one_failed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    many = tmp_path / "many.zip"
    many.write_bytes(zip_of({f"{i}.pdf": b"x" for i in range(11)}))
    with monkeypatch.context() as patch:  # the count is read from the end record, before any parsing
        patch.setattr(zipfile, "ZipFile", None)
        [f] = collect([many], Limits(max_zip_entries=10)).files
    assert f.source_name == str(many)
    assert (
        f.problem
        == "zip archive refused: 11 entries, more than the limit of 10; split it into smaller archives"
    )
    assert f.content() == many.read_bytes()

    wide = tmp_path / "wide.zip"
    wide.write_bytes(zip_of({"a.pdf": bytes(3 * MIB), "b.pdf": bytes(3 * MIB)}, deflate=True))
    [w] = collect([wide], Limits(max_zip_expanded=5 * MIB, max_zip_ratio=10_000)).files
    assert w.problem is not None and "expand to 6 MiB, more than the limit of 5 MiB" in w.problem


def test_overlapping_entries_refuse_the_archive(tmp_path: Path) -> None:
    bomb = tmp_path / "overlap.zip"
    bomb.write_bytes(overlapping_zip(b"%PDF-1.7 shared bytes", copies=3))
    [f] = collect([bomb]).files
    assert f.source_name == str(bomb)
    assert f.problem is not None and "entries overlap" in f.problem


def test_members_that_expand_too_far_are_failed_without_being_expanded(tmp_path: Path) -> None:
    archive = tmp_path / "ratio.zip"
    archive.write_bytes(zip_of({"zeros.pdf": bytes(8 * MIB), "ok.pdf": b"%PDF-ok"}, deflate=True))
    ok, zeros = collect([archive], Limits(max_zip_ratio=100)).files
    assert ok.problem is None and ok.content() == b"%PDF-ok"
    assert zeros.problem is not None and "more than the limit of 100-fold" in zeros.problem
    raw = zeros.content()  # what is kept: the compressed bytes, not 8 MiB
    assert 0 < len(raw) < 64 * 1024

    [big] = collect([archive], Limits(max_file_bytes=4 * MIB, max_zip_ratio=10**6)).files[1:]
    assert big.problem is not None and big.problem.startswith("zip member too large (8.0 MiB expanded")


def test_a_member_whose_header_lies_about_its_size_stops_there(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    archive.write_bytes(size_lying_zip("a.pdf", bytes(64 * MIB), declared=1000))
    [f] = collect([archive]).files
    assert f.problem is None  # the directory says 1000 bytes
    read = 0
    tracemalloc.start()
    try:
        with pytest.raises(NotReceived, match="damaged zip member"), f.open() as stream:
            while chunk := stream.read(MIB):
                read += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read <= 1000 and peak < 4 * MIB


def test_members_stream_with_memory_independent_of_their_size(tmp_path: Path) -> None:
    archive = tmp_path / "large.zip"
    archive.write_bytes(zip_of({"large.pdf": b"%PDF" + bytes(48 * MIB)}, deflate=True))
    [f] = collect([archive], Limits(max_zip_ratio=10**6)).files
    tracemalloc.start()
    try:
        digest, path = blobstore.put_stream(tmp_path / "store", f.open())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert path.stat().st_size == 48 * MIB + 4
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB for a 48 MiB member"


def test_an_archive_is_opened_once_for_all_its_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "pack.zip"
    archive.write_bytes(zip_of({f"{i:03}.pdf": f"%PDF-{i}".encode() for i in range(200)}))
    opened: list[object] = []
    real = zipfile.ZipFile

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            opened.append(args[0])
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile, "ZipFile", Counting)
    files = collect([archive]).files
    contents = [f.content() for f in files]
    assert contents == [f"%PDF-{i}".encode() for i in range(200)]
    assert len(opened) == 2  # once to list the members, once to read them all


def test_the_entry_count_of_a_zip64_archive_is_read_before_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    many = tmp_path / "zip64.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(0x10000):  # more than a plain end record can count
            zf.writestr(f"{i}", b"")
    monkeypatch.setattr(zipfile, "ZipFile", None)
    [f] = collect([many], Limits(max_zip_entries=0xFFFF)).files
    assert f.problem == (
        "zip archive refused: 65536 entries, more than the limit of 65535; split it into smaller archives"
    )


def test_members_compressed_with_bzip2_or_lzma_are_failed_unread(tmp_path: Path) -> None:
    # Their decompressors expand one read without a bound: a liar's header would not stop them.
    archive = tmp_path / "methods.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("b.pdf", b"%PDF-bzip2", compress_type=zipfile.ZIP_BZIP2)
        zf.writestr("l.pdf", b"%PDF-lzma", compress_type=zipfile.ZIP_LZMA)
        zf.writestr("s.pdf", b"%PDF-stored", compress_type=zipfile.ZIP_STORED)
    b, lz, st = collect([archive]).files
    assert b.problem is not None and b.problem.startswith(
        "zip member compressed with bzip2, which is not read"
    )
    assert lz.problem is not None and lz.problem.startswith("zip member compressed with LZMA")
    assert st.problem is None and st.content() == b"%PDF-stored"
    assert b.content() and b.content() != b"%PDF-bzip2"  # what is kept: the compressed bytes


def test_a_folder_inside_that_cannot_be_read_is_skipped_and_the_walk_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for rel in ("a.pdf", "locked/b.pdf", "z/c.pdf"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    real = os.scandir

    def scandir(path: Path) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = collect([tmp_path])
    assert [f.source_name for f in result.files] == [str(tmp_path / "a.pdf"), str(tmp_path / "z/c.pdf")]
    assert result.skipped == ((str(tmp_path / "locked"), "cannot read the folder: Permission denied"),)
    with pytest.raises(InputError, match="cannot read folder .*locked: Permission denied"):
        collect([tmp_path / "locked"])


def test_an_archive_replaced_after_listing_is_checked_again_when_read(tmp_path: Path) -> None:
    archive = tmp_path / "pack.zip"
    archive.write_bytes(zip_of({"a.pdf": b"%PDF-a"}))
    [f] = collect([archive], Limits(max_zip_entries=5)).files
    archive.write_bytes(zip_of({f"{i}.pdf": b"x" for i in range(6)}))
    with pytest.raises(NotReceived, match="zip archive refused: 6 entries, more than the limit of 5"):
        f.open()
