"""`jixiao ingest`: what enters a batch, how each file ends, and when the command itself fails."""

from __future__ import annotations

import gc
import json
import os
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from db import intake, transitions
from db.engine import make_engine
from db.models import Document as DocumentRow
from db.models import utcnow
from jixiao.inputs import collect
from tests.cli.conftest import Invoke, Workspace, cpu_workers
from tests.cli.files import plain_pdf, zip_of
from tests.fixtures.corpus import Doc, bad_docs
from tests.fixtures.render import RenderOptions, render_pdf
from tests.fixtures.truths import seed_truth
from worker.receive import receive

STORED_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}\.pdf")


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    """The seed document rendered as a ruled 绩效表 (24 projects, 192 rows)."""
    return render_pdf(seed_truth())


def batch_id(stdout: str) -> int:
    match = re.match(r"batch (\d+)\n", stdout)
    assert match, stdout
    return int(match.group(1))


def documents(jixiao: Invoke, batch: int | None = None) -> dict[str, dict]:
    args = ["documents", "--format", "jsonl"] + (["--batch", str(batch)] if batch is not None else [])
    result = jixiao(*args)
    assert result.exit_code == 0, result.output
    return {row["source_name"]: row for row in map(json.loads, result.stdout.splitlines())}


def write_bad_inputs(folder: Path, good: bytes) -> dict[str, Path]:
    """The fixture generator's bad inputs (empty, truncated, encrypted, PNG and zip renamed, …)."""
    docs = bad_docs(Doc("seed", "seed", seed_truth(), RenderOptions()), good)
    paths = {}
    for doc in docs:
        assert doc.data is not None
        paths[doc.name] = folder / f"{doc.name}.pdf"
        paths[doc.name].parent.mkdir(parents=True, exist_ok=True)
        paths[doc.name].write_bytes(doc.data)
    return paths


# What each broken file must say, in words a person can act on.
REASONS = {
    "empty": "empty file",
    "truncated": "truncated PDF",
    "encrypted": "encrypted PDF: a password is required",
    "image-renamed": "not a PDF: it is a PNG image",
    "zip-renamed": "not a PDF: it is a ZIP archive",
}


def test_bad_inputs_end_failed_with_reasons_and_the_batch_runs_to_the_end(
    workspace: Workspace, jixiao: Invoke, seed_pdf: bytes
) -> None:
    (workspace.inputs / "a-good.pdf").write_bytes(seed_pdf)  # sorted first: the original
    bad = write_bad_inputs(workspace.inputs / "bad", seed_pdf)
    (workspace.inputs / "notes.txt").write_text("not a document")

    result = jixiao("ingest", "--workers", cpu_workers(), str(workspace.inputs))

    assert result.exit_code == 0, result.output
    batch = batch_id(result.stdout)
    docs = documents(jixiao, batch)
    assert set(docs) == {str(workspace.inputs / "a-good.pdf")} | {str(p) for p in bad.values()}
    for name, reason in REASONS.items():
        row = docs[str(bad[name])]
        assert (row["status"], reason in (row["error"] or "")) == ("failed", True), row
        assert f"failed: {bad[name]}: {row['error']}" in result.stderr
    copy = docs[str(bad["duplicate-copy"])]
    assert (copy["status"], copy["error"]) == ("duplicate", None)
    assert docs[str(bad["duplicate-copy"])]["sha256"] == docs[str(workspace.inputs / "a-good.pdf")]["sha256"]
    # Progress and summary on stderr; stdout holds only the batch id.
    assert re.search(r"\d+/\d+ documents, \d+ pages, [\d.]+ pages/s, \d+ failed", result.stderr)
    assert re.search(rf"batch {batch}: \d+ stored, 1 duplicate, \d+ no_table, \d+ failed", result.stderr)
    assert "1 file(s) ignored" in result.stderr
    assert result.stdout == f"batch {batch}\n"
    # Every received file is kept under its SHA-256 and nothing else is written in the store.
    kept = sorted(p.relative_to(workspace.store).as_posix() for p in workspace.store.rglob("*.pdf"))
    assert kept and all(STORED_NAME.fullmatch(k) for k in kept)
    assert len(kept) == len({row["sha256"] for row in docs.values()})


def test_good_files_are_stored_and_a_table_less_pdf_is_no_table(
    workspace: Workspace, jixiao: Invoke, seed_pdf: bytes
) -> None:
    (workspace.inputs / "a-good.pdf").write_bytes(seed_pdf)
    bad = write_bad_inputs(workspace.inputs / "bad", seed_pdf)

    result = jixiao("ingest", "--workers", cpu_workers(), str(workspace.inputs))

    docs = documents(jixiao, batch_id(result.stdout))
    good = docs[str(workspace.inputs / "a-good.pdf")]
    assert (good["status"], good["error"], good["unit_name"], good["budget_year"]) == (
        "stored",
        None,
        "拉萨市信访局本级",
        2025,
    )
    assert good["projects"] > 0 and good["indicators"] > 0
    assert docs[str(bad["no-table"])]["status"] == "no_table"
    exported = jixiao("export", "--format", "jsonl").stdout.splitlines()
    assert len(exported) == good["indicators"]


def test_a_zip_is_read_in_memory_and_member_names_never_become_paths(
    workspace: Workspace, jixiao: Invoke, tmp_path: Path
) -> None:
    escape = f"evil-{uuid.uuid4().hex}.pdf"
    archive = workspace.inputs / "pack.zip"
    archive.write_bytes(
        zip_of(
            {
                f"../{escape}": plain_pdf("up"),
                f"../../{escape}": plain_pdf("up up"),
                f"/tmp/{escape}": plain_pdf("absolute"),
                "docs/b.pdf": plain_pdf("b"),
                "docs/readme.txt": b"ignored",
            }
        )
    )

    result = jixiao("ingest", "--workers", "2", str(archive))

    assert result.exit_code == 0, result.output
    docs = documents(jixiao, batch_id(result.stdout))
    assert sorted(docs) == sorted(
        f"{archive}!{name}" for name in (f"../{escape}", f"../../{escape}", f"/tmp/{escape}", "docs/b.pdf")
    )
    assert all(row["status"] in ("failed", "no_table", "stored") for row in docs.values())
    assert not list(tmp_path.parent.rglob(escape)) and not Path("/tmp", escape).exists()
    # In the workspace: the archive, and the store's content-addressed copies. Nothing else.
    written = [p for p in workspace.root.rglob("*") if p.is_file()]
    assert all(p == archive or p.is_relative_to(workspace.store) for p in written), written


def test_the_same_bytes_twice_are_one_document_and_two_submissions(
    workspace: Workspace, jixiao: Invoke
) -> None:
    data = plain_pdf("twice")
    (workspace.inputs / "one.pdf").write_bytes(data)
    first = jixiao("ingest", str(workspace.inputs / "one.pdf"))
    (workspace.inputs / "copy.pdf").write_bytes(data)

    second = jixiao("ingest", str(workspace.inputs / "copy.pdf"))

    assert second.exit_code == 0
    docs = documents(jixiao)
    assert docs[str(workspace.inputs / "copy.pdf")]["status"] == "duplicate"
    assert docs[str(workspace.inputs / "one.pdf")]["status"] != "duplicate"
    assert batch_id(second.stdout) == batch_id(first.stdout) + 1
    assert "0 stored, 1 duplicate, 0 no_table, 0 failed" in second.stderr


def test_a_missing_path_stops_with_one_line_and_records_nothing(workspace: Workspace, jixiao: Invoke) -> None:
    (workspace.inputs / "real.pdf").write_bytes(plain_pdf("real"))

    result = jixiao("ingest", str(workspace.inputs / "real.pdf"), "no/such/folder")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "no such file or folder: no/such/folder" in result.stderr
    assert documents(jixiao) == {}


def test_an_unreachable_database_stops_with_one_line(workspace: Workspace, jixiao: Invoke) -> None:
    (workspace.inputs / "real.pdf").write_bytes(plain_pdf("real"))

    result = jixiao(
        "ingest", str(workspace.inputs), "--database-url", "postgresql://postgres@127.0.0.1:9/nowhere"
    )

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: database unreachable (postgresql+psycopg://postgres@127.0.0.1:9/")


def test_no_wait_returns_at_once_and_the_background_run_finishes_the_batch(
    workspace: Workspace, jixiao: Invoke
) -> None:
    for i in range(3):
        (workspace.inputs / f"d{i}.pdf").write_bytes(plain_pdf(f"doc {i}"))
    (workspace.inputs / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")

    result = jixiao("ingest", "--no-wait", "--workers", "2", str(workspace.inputs))

    assert result.exit_code == 0, result.output
    batch = batch_id(result.stdout)
    match = re.search(r"parsing in the background \(pid (\d+), log (\S+)\)", result.stderr)
    assert match, result.stderr
    try:
        os.waitpid(int(match.group(1)), 0)  # the background worker is our child: wait for it to end
    except ChildProcessError:
        pass  # already reaped
    statuses = {name: row["status"] for name, row in documents(jixiao, batch).items()}
    assert len(statuses) == 4
    assert not {"queued", "running"} & set(statuses.values()), Path(match.group(2)).read_text()
    assert statuses[str(workspace.inputs / "broken.pdf")] == "failed"


def test_work_finishes_what_a_killed_run_left_queued_or_running(workspace: Workspace, jixiao: Invoke) -> None:
    for i in range(3):
        (workspace.inputs / f"d{i}.pdf").write_bytes(plain_pdf(f"doc {i}"))
    engine = make_engine(workspace.database_url)
    assert jixiao("documents").exit_code == 0  # migrates
    batch = intake.create_batch(engine, ["inputs"])
    received = receive(engine, workspace.store, batch, collect([workspace.inputs]).files)
    assert transitions.claim(engine, received.jobs[0].sha256)  # as if a run was killed -9 while parsing it
    engine.dispose()

    plain = jixiao("work", "--batch", str(batch))
    after_plain = {row["status"] for row in documents(jixiao, batch).values()}
    with_running = jixiao("work", "--running", "--batch", str(batch))

    assert plain.exit_code == 0 and "2 document(s) to parse" in plain.stderr
    assert after_plain == {"running", "no_table"}
    assert with_running.exit_code == 0 and "1 document(s) to parse" in with_running.stderr
    assert {row["status"] for row in documents(jixiao, batch).values()} == {"no_table"}


def test_ingesting_again_resumes_what_an_earlier_run_left_unfinished(
    workspace: Workspace, jixiao: Invoke
) -> None:
    """Recorded but never finished by a run that let go (stopped) or whose hold ran out (killed)
    is not a duplicate: the next ingest parses it and says so. A document a live run holds
    stays that run's: a duplicate."""
    for i in range(4):
        (workspace.inputs / f"d{i}.pdf").write_bytes(plain_pdf(f"doc {i}"))
    engine = make_engine(workspace.database_url)
    assert jixiao("documents").exit_code == 0  # migrates
    batch = intake.create_batch(engine, ["inputs"])
    jobs = receive(engine, workspace.store, batch, collect([workspace.inputs]).files, hold=600).jobs
    dead, alive = jobs[0].sha256, jobs[1].sha256
    assert transitions.claim(engine, dead, lease=600) and transitions.claim(engine, alive, lease=600)
    with engine.begin() as conn:  # the run holding d0 was killed: its hold ran out an hour ago
        conn.execute(
            update(DocumentRow)
            .where(DocumentRow.sha256 == dead)
            .values(lease_until=utcnow() - timedelta(hours=1))
        )
    transitions.release(engine, [j.sha256 for j in jobs[2:]])  # d2, d3: a run that stopped let go
    engine.dispose()

    again = jixiao("ingest", str(workspace.inputs))

    assert again.exit_code == 0
    assert "3 document(s) resumed" in again.stderr
    rows = documents(jixiao, batch_id(again.stdout))
    by_name = {Path(name).name: row["status"] for name, row in rows.items()}
    assert by_name == {
        "d0.pdf": "no_table",
        "d1.pdf": "duplicate",
        "d2.pdf": "no_table",
        "d3.pdf": "no_table",
    }
    assert "1 duplicate" in again.stderr


def test_documents_a_live_run_holds_are_duplicates_for_another_ingest(
    workspace: Workspace, jixiao: Invoke
) -> None:
    (workspace.inputs / "a.pdf").write_bytes(plain_pdf("a"))
    engine = make_engine(workspace.database_url)
    assert jixiao("documents").exit_code == 0
    batch = intake.create_batch(engine, ["inputs"])
    [job] = receive(engine, workspace.store, batch, collect([workspace.inputs]).files, hold=600).jobs
    engine.dispose()

    again = jixiao("ingest", str(workspace.inputs))  # at the same moment as the first run, still queued

    assert again.exit_code == 0 and "resumed" not in again.stderr
    assert [row["status"] for row in documents(jixiao, batch_id(again.stdout)).values()] == ["duplicate"]
    assert [row["status"] for row in documents(jixiao, batch).values()] == ["queued"]  # still the first run's


def test_a_store_that_stops_taking_files_ends_the_command_with_one_line(
    workspace: Workspace, jixiao: Invoke
) -> None:
    (workspace.inputs / "a.pdf").write_bytes(plain_pdf("a"))
    workspace.store.mkdir(parents=True, exist_ok=True)
    for i in range(256):  # every <store>/ab/ folder a file: no copy can be written (a full or broken disk)
        (workspace.store / f"{i:02x}").write_text("in the way")

    result = jixiao("ingest", str(workspace.inputs))

    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: receiving stopped: cannot write to the store folder {workspace.store}")
    assert "Traceback" not in result.output


def test_more_workers_than_cores_are_capped_with_a_note(workspace: Workspace, jixiao: Invoke) -> None:
    (workspace.inputs / "a.pdf").write_bytes(plain_pdf("a"))
    result = jixiao("ingest", "--workers", "10000", str(workspace.inputs))
    assert result.exit_code == 0
    assert (
        f"note: --workers 10000 is more than the {len(os.sched_getaffinity(0))} usable core(s)"
        in result.stderr
    )


def test_a_year_out_of_range_is_one_line(jixiao: Invoke) -> None:
    result = jixiao("export", "--year", "99999999999999999999")
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "--year" in result.output


def _connections_left(database_url: str) -> int:
    """Open connections to the database: the sessions PostgreSQL lists besides this probe's own,
    or for SQLite whether a `-wal` file is there (it goes when the last connection closes)."""
    if database_url.startswith("sqlite:///"):
        return int(Path(f"{database_url.removeprefix('sqlite:///')}-wal").exists())
    probe = make_engine(database_url)
    try:
        with probe.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ).scalar_one()
            )
    finally:
        probe.dispose()


def test_a_command_run_in_process_closes_its_connections_when_it_ends(
    workspace: Workspace, jixiao: Invoke
) -> None:
    # Left to the garbage collector, SQLite's last connection closed at a random later moment,
    # checkpointing and removing the -wal file under whatever ran then.
    (workspace.inputs / "a.pdf").write_bytes(plain_pdf("a"))
    gc.collect()
    before = _connections_left(workspace.database_url)
    for args in (("ingest", str(workspace.inputs)), ("documents",), ("export",), ("findings",)):
        assert jixiao(*args).exit_code == 0
        assert _connections_left(workspace.database_url) == before, args
