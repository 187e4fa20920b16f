"""Hostile and clumsy input (issue 8): odd file names, links, special files, huge files, outputs
aimed at the database. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db import intake
from db.engine import make_engine
from db.models import Batch, Submission
from jixiao.inputs import collect
from tests.cli.conftest import Invoke, Workspace
from tests.cli.files import plain_pdf, raw_named_zip
from tests.db.conftest import engine  # noqa: F401 — the fixture, on both backends
from worker.receive import receive

GBK_NAME = "项目支出绩效表.pdf".encode("gbk")


def _odd_tree(root: Path) -> bytes:
    """A folder whose file names are UTF-8, GBK, arbitrary bytes; returns the folder as bytes."""
    folder = os.fsencode(root / "odd")
    os.mkdir(folder)
    for i, raw in enumerate((b"a.pdf", GBK_NAME, b"\xff\xfe.pdf", b"z.pdf")):
        with open(os.path.join(folder, raw), "wb") as fh:  # noqa: PTH123 — a bytes path on purpose
            fh.write(plain_pdf(f"odd {i}"))
    return folder


def test_names_in_no_known_encoding_are_recorded_as_labels(engine: Engine, tmp_path: Path) -> None:  # noqa: F811
    folder = _odd_tree(tmp_path)
    (tmp_path / "odd.zip").write_bytes(raw_named_zip(b"\xfe\xff\x00.pdf", plain_pdf("member")))
    given = [os.fsdecode(folder), os.fsdecode(os.path.join(folder, b"\xff\xfe.pdf")), tmp_path / "odd.zip"]
    batch = intake.create_batch(engine, [str(tmp_path)])

    received = receive(engine, tmp_path / "store", batch, collect(given).files)

    assert received.unreadable == []
    with engine.connect() as conn:
        recorded = conn.execute(select(Submission.source_name).order_by(Submission.id)).scalars().all()
    odd = f"{tmp_path}/odd"
    assert recorded == [
        f"{odd}/a.pdf",
        f"{odd}/z.pdf",
        f"{odd}/项目支出绩效表.pdf",
        f"{odd}/\\xff\\xfe.pdf",
        f"{odd}/\\xff\\xfe.pdf",  # the same file named again: a duplicate, recorded all the same
        f"{tmp_path}/odd.zip!\\xfe\\xff\\x00.pdf",
    ]


def _run(
    workspace: Workspace, *args: str | bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "jixiao", *args],
        cwd=workspace.root,
        env={
            **os.environ,
            "JIXIAO_DATABASE_URL": workspace.database_url,
            "JIXIAO_STORE": str(workspace.store),
            **(env or {}),
        },
        capture_output=True,
        timeout=300,
    )


def test_ingest_takes_names_in_any_encoding_from_folders_and_the_command_line(workspace: Workspace) -> None:
    folder = _odd_tree(workspace.inputs)
    named = os.path.join(folder, GBK_NAME)  # a bytes argument, as a shell passes it

    done = _run(workspace, "ingest", "--workers", "1", folder, named)

    assert done.returncode == 0, done.stderr.decode(errors="replace")
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr and "batch 1: 0 stored, 1 duplicate, 4 no_table, 0 failed" in stderr
    listed = _run(workspace, "documents")
    rows = [json.loads(line) for line in listed.stdout.decode().splitlines()]
    odd = f"{workspace.inputs}/odd"
    assert sorted(r["source_name"] for r in rows) == sorted(
        [
            f"{odd}/a.pdf",
            f"{odd}/z.pdf",
            f"{odd}/项目支出绩效表.pdf",
            f"{odd}/\\xff\\xfe.pdf",
            f"{odd}/项目支出绩效表.pdf",
        ]
    )


def test_the_batch_records_the_paths_given_as_labels(workspace: Workspace, jixiao: Invoke) -> None:
    folder = _odd_tree(workspace.inputs)
    result = jixiao("ingest", os.fsdecode(os.path.join(folder, b"\xff\xfe.pdf")))
    assert result.exit_code == 0, result.output
    db = make_engine(workspace.database_url)
    try:
        with db.connect() as conn:
            assert conn.execute(select(Batch.sources)).scalar_one() == [
                f"{workspace.inputs}/odd/\\xff\\xfe.pdf"
            ]
    finally:
        db.dispose()


def test_a_link_named_pdf_is_skipped_not_read(workspace: Workspace, jixiao: Invoke) -> None:
    secret = workspace.root / "secret.txt"
    secret.write_bytes(b"root:x:0:0:top secret")
    (workspace.inputs / "b.pdf").symlink_to(secret)
    (workspace.inputs / "a.pdf").write_bytes(plain_pdf("a"))
    (workspace.root / "c.pdf").symlink_to(secret)

    result = jixiao("ingest", str(workspace.inputs), str(workspace.root / "c.pdf"))

    assert result.exit_code == 0
    assert "top secret" not in result.output and "root:x" not in result.output
    assert "2 skipped: symbolic links, special files and unreadable folders are not read" in result.stderr
    assert f"skipped: {workspace.inputs / 'b.pdf'}: symbolic link, not followed" in result.stderr
    assert f"skipped: {workspace.root / 'c.pdf'}: symbolic link, not followed" in result.stderr
    kept = [p.read_bytes() for p in workspace.store.rglob("*.pdf")]
    assert len(kept) == 1 and b"top secret" not in kept[0]


def test_a_device_or_fifo_on_the_command_line_is_a_reason_not_a_hang(workspace: Workspace) -> None:
    fifo = workspace.inputs / "pipe.pdf"
    os.mkfifo(fifo)
    done = _run(workspace, "ingest", "/dev/zero", str(fifo))  # /dev/zero once grew without bound
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert "skipped: /dev/zero: not a regular file (a character device)" in stderr
    assert f"skipped: {fifo}: not a regular file (a FIFO)" in stderr


def test_a_file_over_the_size_limit_is_not_received(workspace: Workspace, jixiao: Invoke) -> None:
    (workspace.inputs / "big.pdf").write_bytes(b"%PDF" + bytes(3 << 20))
    (workspace.inputs / "small.pdf").write_bytes(plain_pdf("small"))
    result = jixiao("ingest", str(workspace.inputs), extra_env={"JIXIAO_MAX_FILE_MB": "2"})
    assert result.exit_code == 0
    assert (
        f"not received: {workspace.inputs / 'big.pdf'}: file too large: 3.0 MiB, "
        "the limit is 2 MiB (JIXIAO_MAX_FILE_MB)" in result.stderr
    )
    assert "batch 1: 0 stored, 0 duplicate, 1 no_table, 0 failed" in result.stderr


def test_a_bad_size_limit_stops_with_one_line(jixiao: Invoke) -> None:
    result = jixiao("documents", extra_env={"JIXIAO_MAX_FILE_MB": "lots"})
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: JIXIAO_MAX_FILE_MB='lots': expected a whole number"


# --------------------------------------------------------------------------- --out


def _database_file(workspace: Workspace) -> Path | None:
    url = workspace.database_url
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


@pytest.mark.parametrize("command", [["export", "--format", "csv"], ["report"]])
def test_out_never_overwrites_the_database_or_the_store(
    workspace: Workspace, jixiao: Invoke, command: list[str]
) -> None:
    (workspace.inputs / "a.pdf").write_bytes(plain_pdf("a"))
    assert jixiao("ingest", str(workspace.inputs)).exit_code == 0
    kept = next(workspace.store.rglob("*.pdf"))
    before = kept.read_bytes()
    targets = [kept, workspace.store / "report.csv"]
    database = _database_file(workspace)
    if database is not None:
        targets += [database, Path(f"{database}-wal"), Path(os.path.relpath(database, workspace.root))]
    for target in targets:
        saved = target.read_bytes() if target.is_file() else None
        result = jixiao(*command, "--out", str(target))
        assert result.exit_code == 1, (target, result.output)
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"Error: refusing to write {target}: it is ")
        assert (target.read_bytes() if target.is_file() else None) == saved
    assert kept.read_bytes() == before
    assert jixiao("documents").stdout.count("\n") == 1  # the database still answers


def test_out_never_overwrites_an_input_pdf_or_archive(workspace: Workspace, jixiao: Invoke) -> None:
    pdf = workspace.inputs / "a.pdf"
    pdf.write_bytes(plain_pdf("a"))
    archive = workspace.inputs / "b.zip"
    archive.write_bytes(raw_named_zip(b"b.pdf", plain_pdf("b")))
    for target in (pdf, archive):
        saved = target.read_bytes()
        result = jixiao("export", "--out", str(target))
        assert result.exit_code == 1 and "not a previous export" in result.stderr
        assert target.read_bytes() == saved
    # A previous export is overwritten as before.
    assert jixiao("export", "--out", "rows.jsonl").exit_code == 0
    assert jixiao("export", "--out", "rows.jsonl").exit_code == 0
    assert jixiao("export", "--format", "xlsx", "--out", "rows.xlsx").exit_code == 0
    assert jixiao("export", "--format", "xlsx", "--out", "rows.xlsx").exit_code == 0
    assert jixiao("report", "--out", "rows.xlsx").exit_code == 0
    # ... but not one of another kind: a workbook is not overwritten by text, nor text by a workbook.
    crossed = jixiao("export", "--format", "csv", "--out", "rows.xlsx")
    assert crossed.exit_code == 1 and "it is an Excel workbook, not a previous export" in crossed.stderr
    (workspace.root / "notes.txt").write_text("keep me")
    crossed = jixiao("export", "--format", "xlsx", "--out", "notes.txt")
    assert crossed.exit_code == 1 and "it is a text file, not a previous export" in crossed.stderr
    (workspace.root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    crossed = jixiao("report", "--format", "html", "--out", "photo.png")
    assert crossed.exit_code == 1 and "it is a binary file, not a previous export" in crossed.stderr
    (workspace.root / "empty.xlsx").touch()
    assert jixiao("export", "--format", "xlsx", "--out", "empty.xlsx").exit_code == 0


@pytest.mark.parametrize("command", [["export"], ["report"]])
def test_out_into_a_missing_folder_is_one_line(
    workspace: Workspace, jixiao: Invoke, command: list[str]
) -> None:
    result = jixiao(*command, "--out", "no/such/folder/out.xlsx")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: refusing to write no/such/folder/out.xlsx: no such folder no/such/folder; create it first"
    )
