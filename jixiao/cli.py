"""`jixiao`: the command line. Thin: it parses options, opens the database, and prints.

Exit status: 0 when the command ran to its end (whatever individual documents did);
1 with a one-line reason when it could not run at all (no such path, database
unreachable); 2 for a usage error or a verb that is not available yet.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from db import across, intake, queries, reporting, transitions
from db.engine import make_engine, migrate, redact
from db.status import FINAL, PENDING, Status
from jixiao.background import start_background_work
from jixiao.console import ProgressLine, summary_lines
from jixiao.export import write_csv, write_jsonl, write_xlsx
from jixiao.inputs import MIB, InputError, InputFile, Limits, collect, label
from jixiao.outputs import check_out
from worker.inprocess import refresh_across, run, usable_cores
from worker.receive import HOLD, Job, queued_jobs, receive
from worker.settings import ConfigError, Settings

database_option = click.option(
    "--database-url",
    metavar="URL",
    default=None,
    help="SQLAlchemy URL of the results database (default: $JIXIAO_DATABASE_URL, else sqlite:///jixiao.db).",
)


workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Parser processes on this machine (default and most: one per usable core).",
)
year_option = click.option(
    "--year", type=click.IntRange(1900, 2999), default=None, help="Only this 预算年度."
)
batch_option = click.option(
    "--batch", "batch_id", type=int, default=None, help="Only the documents of this batch."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jixiao")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Turn 项目支出绩效表 PDFs into database rows, and get them out again."""
    try:  # every variable checked before any command does anything
        ctx.obj = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def settings_for(database_url: str | None) -> Settings:
    """The run's settings with this command's flags applied."""
    try:
        return click.get_current_context().find_object(Settings).with_flags(database_url=database_url)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


# --------------------------------------------------------------------------- ingest


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--no-wait", is_flag=True, help="Return once the files are recorded; parsing goes on in the background."
)
@workers_option
@database_option
def ingest(paths: tuple[str, ...], no_wait: bool, workers: int | None, database_url: str | None) -> None:
    """Read PDFs, folders (recursively) and .zip archives into a new batch.

    Prints the batch id, shows progress on stderr, and waits until every document is
    stored, failed or found to hold no table; then prints a summary.
    """
    settings = settings_for(database_url)
    try:
        inputs = collect(paths, Limits(max_file_bytes=settings.max_file_mb * MIB))
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc

    if not settings.in_process:
        _ingest_via_broker(
            settings, paths, inputs.files, len(inputs.ignored), no_wait, skipped=inputs.skipped
        )
        return

    engine = open_database(settings)
    store_dir = store_directory(settings)
    batch_id = intake.create_batch(engine, [label(p) for p in paths])
    click.echo(f"batch {batch_id}")
    if not inputs.files:
        click.echo(f"no PDF found in: {' '.join(map(label, paths))}", err=True)
    progress = ProgressLine(sys.stderr)
    try:
        received = receive(
            engine,
            store_dir,
            batch_id,
            inputs.files,
            progress.receiving,
            hold=HOLD,
        )
    except (OSError, DBAPIError) as exc:
        with contextlib.suppress(Exception):  # the database may be what failed
            let_go(engine, batch_id)
        raise click.ClickException(receiving_stopped(exc, settings)) from exc
    except KeyboardInterrupt:
        let_go(engine, batch_id)
        raise click.ClickException(
            "interrupted while receiving: what was recorded is let go; run the same `jixiao ingest` "
            "again and it resumes those documents"
        ) from None
    finally:
        progress.close()

    if no_wait:
        child, log = start_background_work(settings, batch_id, workers)
        pid = child.pid
        click.echo(
            f"{len(received.jobs)} document(s) queued; parsing in the background (pid {pid}, log {log}). "
            f"`jixiao documents --batch {batch_id}` shows where they are.",
            err=True,
        )
        for line in summary_lines(batch_id, {}, (), received.unreadable, skipped=inputs.skipped)[1:]:
            click.echo(line, err=True)
        return

    _run_jobs(settings, engine, received.jobs, workers)
    summary = queries.batch_summary(engine, batch_id)
    for line in summary_lines(
        batch_id,
        summary.counts,
        summary.failures,
        received.unreadable,
        ignored=len(inputs.ignored),
        resumed=received.resumed,
        skipped=inputs.skipped,
    ):
        click.echo(line, err=True)


@main.command()
@click.option("--batch", "batch_id", type=int, default=None, help="Only this batch (default: every batch).")
@workers_option
@click.option(
    "--running",
    is_flag=True,
    help="Also documents left `running` by a run that was killed (only when no other run is at work).",
)
@database_option
def work(batch_id: int | None, workers: int | None, running: bool, database_url: str | None) -> None:
    """Parse the documents still queued, in this process.

    `ingest --no-wait` starts this in the background; run it by hand to finish a batch
    that was interrupted (Ctrl-C, a closed terminal).
    """
    settings = settings_for(database_url)
    engine = open_database(settings)
    jobs = queued_jobs(engine, batch_id, running=running)
    click.echo(f"{len(jobs)} document(s) to parse", err=True)
    _run_jobs(settings, engine, jobs, workers)


def _run_jobs(settings: Settings, engine: Engine, jobs: list[Job], workers: int | None) -> None:
    cores = usable_cores()
    if workers is not None and workers > cores:
        click.echo(
            f"note: --workers {workers} is more than the {cores} usable core(s); using {cores}", err=True
        )
        workers = cores
    listener = ProgressLine(sys.stderr)
    try:
        run(engine, jobs, settings, workers=workers, listener=listener)
        refresh_across(engine, [job.sha256 for job in jobs], settings, workers=workers)
    except KeyboardInterrupt:
        raise click.ClickException(
            "interrupted: unfinished documents are queued again; `jixiao work` resumes them"
        ) from None
    except DBAPIError as exc:
        raise click.ClickException(
            f"database error during the run: {_first_line(exc)}; once it answers again, "
            "`jixiao work --running` finishes the documents left unfinished"
        ) from exc
    finally:
        listener.close()


def let_go(engine: Engine, batch_id: int) -> None:
    """This run stops before parsing its batch: its documents may be resumed at once."""
    pending = queries.documents_in_state(engine, PENDING, batch_id=batch_id)
    transitions.release(engine, [doc.sha256 for doc in pending])


def receiving_stopped(exc: OSError | DBAPIError, settings: Settings) -> str:
    """One line for a store or database that stopped taking files (full disk, read-only)."""
    if isinstance(exc, OSError):
        where = f"the store folder {settings.store}"
        why = exc.strerror or str(exc)
    else:
        where = f"the database ({redact(settings.database_url)})"
        why = _first_line(exc)
    return (
        f"receiving stopped: cannot write to {where}: {why}; what was recorded stays queued — "
        "free the space or fix the permissions, then run the same `jixiao ingest` again (it resumes)"
    )


# --------------------------------------------------------------------------- read out


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@batch_option
@database_option
def documents(fmt: str, batch_id: int | None, database_url: str | None) -> None:
    """One line per received file: status, error, pages, unit, year, counts, OCR pages, notes."""
    engine = open_database(settings_for(database_url))
    rows = queries.document_rows(engine, batch_id=batch_id)
    if fmt == "csv":  # the notes joined with "; " in one cell
        write_csv(rows, sys.stdout, queries.DOCUMENT_KEYS)
    else:
        write_jsonl(rows, sys.stdout)


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "xlsx"]), default="jsonl", show_default=True
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here (xlsx needs it)."
)
@click.option("--unit-name", default=None, help="Only rows of this 单位名称 (exact).")
@year_option
@batch_option
@database_option
def export(
    fmt: str,
    out: Path | None,
    unit_name: str | None,
    year: int | None,
    batch_id: int | None,
    database_url: str | None,
) -> None:
    """One record per indicator row, in document order (stdout unless --out)."""
    if fmt == "xlsx" and out is None:
        raise click.UsageError("--format xlsx needs --out FILE.xlsx")
    settings = settings_for(database_url)
    if out is not None:
        check_out(out, settings, "xlsx" if fmt == "xlsx" else "text")
    engine = open_database(settings)
    rows = queries.export_rows(engine, unit_name=unit_name, year=year, batch_id=batch_id)
    if fmt == "xlsx":
        assert out is not None
        n = write_xlsx(rows, out, queries.EXPORT_KEYS)
    elif out is None:
        n = (
            write_jsonl(rows, sys.stdout)
            if fmt == "jsonl"
            else write_csv(rows, sys.stdout, queries.EXPORT_KEYS)
        )
    else:
        with out.open("w", encoding="utf-8", newline="") as fh:
            n = write_jsonl(rows, fh) if fmt == "jsonl" else write_csv(rows, fh, queries.EXPORT_KEYS)
    if out is not None:
        click.echo(f"{n} rows written to {out}", err=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--document", "sha256", default=None, metavar="SHA256", help="Only this document's findings.")
@click.option("--unit-name", default=None, help="Only findings of this 单位名称 (exact).")
@year_option
@batch_option
@database_option
def findings(
    fmt: str,
    sha256: str | None,
    unit_name: str | None,
    year: int | None,
    batch_id: int | None,
    database_url: str | None,
) -> None:
    """One validation finding per line (rule ids as in the domain rules); with --batch, those of
    its documents (findings across documents belong to no batch)."""
    engine = open_database(settings_for(database_url))
    write_jsonl(reporting.finding_rows(engine, sha256, unit_name, year, batch_id), sys.stdout)


# --------------------------------------------------------------------------- not yet


def _not_yet(name: str) -> None:
    click.echo(f"jixiao {name}: not yet available in this version", err=True)
    sys.exit(2)


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write (report.xlsx, or report.html with --format html).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "html"]),
    default=None,
    help="xlsx (default) or html; guessed from --out when it ends in .html.",
)
@click.option("--unit-name", default=None, help="Only this 单位名称 (exact).")
@year_option
@batch_option
@click.option(
    "--no-links",
    is_flag=True,
    help="No links to the stored PDFs (file paths of this machine); as the API serves it.",
)
@database_option
def report(
    out: Path,
    fmt: str | None,
    unit_name: str | None,
    year: int | None,
    batch_id: int | None,
    no_links: bool,
    database_url: str | None,
) -> None:
    """The findings report: 汇总, 问题清单, 跨年度 and 规则说明 (Excel/WPS workbook or HTML)."""
    from jixiao.report import write_report

    chosen = fmt or ("html" if out.suffix.lower() in (".html", ".htm") else "xlsx")
    settings = settings_for(database_url)
    check_out(out, settings, "text" if chosen == "html" else "xlsx")
    engine = open_database(settings)
    counts = write_report(
        engine,
        out,
        "html" if chosen == "html" else "xlsx",
        unit_name=unit_name,
        year=year,
        batch_id=batch_id,
        links=not no_links,
    )
    click.echo(
        f"report written to {out}: {counts.units} unit-year(s), {counts.findings} finding(s), "
        f"{counts.cross} across documents",
        err=True,
    )


# --------------------------------------------------------------------------- HTTP


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@database_option
def serve(host: str, port: int, database_url: str | None) -> None:
    """The HTTP API and the operators' page, on the same settings as the other verbs.

    Without a broker, uploads are parsed in the background on this machine; with
    JIXIAO_BROKER_URL, on the workers. Tokens: JIXIAO_API_TOKENS (comma-separated); without
    any the server listens on a loopback address only.
    """
    import uvicorn

    from jixiao.serve import create_app, is_loopback

    settings = settings_for(database_url)
    if not settings.api_tokens and not is_loopback(host):
        raise click.ClickException(
            f"refusing to listen on {host} without tokens: set JIXIAO_API_TOKENS, or serve on 127.0.0.1"
        )
    try:
        app = create_app(settings)
    except (OSError, DBAPIError) as exc:
        raise click.ClickException(
            f"cannot open the database ({redact(settings.database_url)}): {_first_line(exc)}"
        ) from exc
    click.echo(f"serving on http://{host}:{port}/ (API under /api/, OpenAPI at /openapi.json)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


# --------------------------------------------------------------------------- broker mode and recovery
# The work is done in worker/ (submit, follow, recovery); these functions only talk to the user.


def _ingest_via_broker(
    settings: Settings,
    paths: tuple[str, ...],
    files: tuple[InputFile, ...],
    ignored: int,
    no_wait: bool,
    skipped: tuple[tuple[str, str], ...] = (),
) -> None:
    """Keep and record the files, publish one task each, then follow the batch in the database."""
    from kombu.exceptions import OperationalError as BrokerError

    from worker.app import app
    from worker.follow import NoWorkerError, follow
    from worker.recovery import live_workers
    from worker.submit import submit

    broker = redact(app.conf.broker_url)
    engine = open_database(settings)
    store_dir = store_directory(settings)
    batch_id = intake.create_batch(engine, [label(p) for p in paths])
    click.echo(f"batch {batch_id}")
    if not files:
        click.echo(f"no PDF found in: {' '.join(map(label, paths))}", err=True)
    try:
        received = submit(engine, store_dir, batch_id, files, hold=HOLD)
        alive = live_workers(app, timeout=2.0, any_one=True)
    except BrokerError as exc:
        let_go(engine, batch_id)
        raise click.ClickException(
            f"broker unreachable ({broker}): {_first_line(exc).rstrip('.')}; what was recorded stays queued, "
            "`jixiao reconcile` (or the same `jixiao ingest`) enqueues it once the broker is back"
        ) from exc
    except (OSError, DBAPIError) as exc:
        with contextlib.suppress(Exception):  # the database may be what failed
            let_go(engine, batch_id)
        raise click.ClickException(receiving_stopped(exc, settings)) from exc
    if not alive:
        message = (
            f"no live worker answered on {broker} within 2 s: {len(received.jobs)} document(s) stay queued "
            "until a worker starts (`celery -A worker.app worker`, or deploy/run-local start)"
        )
        if no_wait:
            click.echo(f"warning: {message}", err=True)
            return
        raise click.ClickException(message)
    if no_wait:
        click.echo(
            f"{len(received.jobs)} document(s) queued for {', '.join(alive)}…; "
            f"`jixiao documents --batch {batch_id}` shows where they are.",
            err=True,
        )
        return
    listener = ProgressLine(sys.stderr)
    try:
        summary = follow(
            engine, batch_id, listener, workers_alive=lambda: bool(live_workers(app, 2.0, any_one=True))
        )
    except NoWorkerError as exc:
        raise click.ClickException(str(exc)) from exc
    except (BrokerError, DBAPIError) as exc:
        raise click.ClickException(
            f"lost the {'broker' if isinstance(exc, BrokerError) else 'database'} while following batch "
            f"{batch_id}: {_first_line(exc).rstrip('.')}; the workers go on once it is back "
            f"(`jixiao documents --batch {batch_id}`; `jixiao reconcile` after a Redis restart)"
        ) from exc
    except KeyboardInterrupt:
        raise click.ClickException(
            f"stopped following; the workers go on with batch {batch_id} (`jixiao documents --batch {batch_id}`)"
        ) from None
    finally:
        listener.close()
    # the workers refresh each pair at most every few seconds: make every pair current now, and Y4
    across.refresh_after(
        engine, [job.sha256 for job in received.jobs], settings.profile(), whole_database=True
    )
    for line in summary_lines(
        batch_id,
        summary.counts,
        summary.failures,
        received.unreadable,
        ignored=ignored,
        resumed=received.resumed,
        skipped=skipped,
    ):
        click.echo(line, err=True)


def _broker_app(settings: Settings, verb: str):  # noqa: ANN202 — a Celery app, imported only in broker mode
    if settings.in_process:
        raise click.ClickException(
            f"{verb} needs a broker: set JIXIAO_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"
        )
    from worker.app import app

    return app


@main.command()
@database_option
def reconcile(database_url: str | None) -> None:
    """Re-enqueue documents held as queued/running that no live task carries (broker mode).

    Use it after a worker was killed or Redis restarted without persistence; beat also runs
    it every few minutes.
    """
    from kombu.exceptions import OperationalError as BrokerError

    from worker.recovery import BrokerNotSupported
    from worker.recovery import reconcile as reconcile_documents

    settings = settings_for(database_url)
    app = _broker_app(settings, "reconcile")
    engine = open_database(settings)
    try:
        report = reconcile_documents(engine, app)
    except BrokerNotSupported as exc:
        raise click.ClickException(str(exc)) from exc
    except BrokerError as exc:
        raise click.ClickException(
            f"broker unreachable ({redact(app.conf.broker_url)}): {_first_line(exc)}"
        ) from exc
    click.echo(report.line(), err=True)


@main.command()
@click.option("--failed", is_flag=True, help="Re-run the documents that failed (required).")
@click.option("--batch", "batch_id", type=int, default=None, help="Only this batch's failed documents.")
@workers_option
@database_option
def retry(failed: bool, batch_id: int | None, workers: int | None, database_url: str | None) -> None:
    """Re-run failed documents: on the workers with a broker, here without one."""
    if not failed:
        raise click.UsageError("say what to retry: --failed")
    settings = settings_for(database_url)
    engine = open_database(settings)
    failed = queries.documents_in_state(engine, [Status.FAILED], batch_id=batch_id)
    _rerun(settings, engine, "failed", failed, workers)


@main.command()
@click.option(
    "--outdated",
    "scope",
    flag_value="outdated",
    default=True,
    help="Documents stored by an older pipeline (default).",
)
@click.option("--all", "scope", flag_value="all", help="Every finished document.")
@workers_option
@database_option
def reprocess(scope: str, workers: int | None, database_url: str | None) -> None:
    """Re-run documents with the current pipeline; their rows are replaced in one transaction each."""
    from pipeline import PIPELINE_VERSION

    settings = settings_for(database_url)
    engine = open_database(settings)
    if scope == "all":
        docs = queries.documents_in_state(engine, FINAL)
    else:
        docs = queries.outdated(engine, PIPELINE_VERSION)
    _rerun(settings, engine, "outdated" if scope == "outdated" else "finished", docs, workers)


def _rerun(
    settings: Settings, engine: Engine, what: str, docs: list[queries.DocRef], workers: int | None
) -> None:
    if not settings.in_process:
        from kombu.exceptions import OperationalError as BrokerError

        from worker.recovery import requeue

        app = _broker_app(settings, "re-running")
        try:
            requeue(engine, app, docs)
        except BrokerError as exc:
            raise click.ClickException(
                f"broker unreachable ({redact(app.conf.broker_url)}): {_first_line(exc).rstrip('.')}; "
                "the documents are queued in the database, `jixiao reconcile` enqueues them once it is back"
            ) from exc
        click.echo(f"{len(docs)} {what} document(s) queued for the workers", err=True)
        return
    for doc in docs:
        transitions.set_status(engine, doc.sha256, Status.QUEUED)
    click.echo(f"{len(docs)} {what} document(s) to re-run", err=True)
    _run_jobs(settings, engine, [Job(d.sha256, d.source_name, d.store_path) for d in docs], workers)


# --------------------------------------------------------------------------- shared


def open_database(settings: Settings) -> Engine:
    """An engine on a migrated database, or a one-line reason why there is none.

    Its connections close when the command ends, not whenever the garbage collector gets to
    them: SQLite checkpoints and removes its `-wal` file as the last one closes, and a command
    run in-process (tests, scripts) would otherwise leave that to happen at a random moment."""
    try:
        engine = make_engine(settings.database_url)
        migrate(engine)
    except Exception as exc:  # noqa: BLE001 — any failure here means the command cannot run
        raise click.ClickException(
            f"database unreachable ({redact(settings.database_url)}): {_first_line(exc)}"
        ) from exc
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(engine.dispose)
    return engine


def store_directory(settings: Settings) -> Path:
    """Where received PDFs are kept (created if need be)."""
    try:
        settings.store.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(
            f"cannot create the store folder {settings.store}: {exc.strerror or exc}"
        ) from exc
    return settings.store


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


if __name__ == "__main__":
    main()
