"""Which files a set of paths puts into a batch, in which order, under which names."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.inputs import InputError, collect
from tests.cli.files import encrypted_member_zip, gbk_named_zip, plain_pdf, zip_of


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
    assert [(f.source_name, f.read(), f.problem) for f in files] == [(str(odd), b"not a pdf", None)]


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

    assert [(f.source_name, f.read()) for f in result.files] == [
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
    assert a.read() and b.read() and a.read() != b.read()


def test_an_unreadable_archive_enters_as_one_file_with_a_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    [f] = collect([broken]).files
    assert f.source_name == str(broken)
    assert f.problem is not None and f.problem.startswith("not a readable zip archive")
    assert f.read() == broken.read_bytes()
