"""`jixiao serve`: the HTTP API (CONTRACT "HTTP API") over the CLI's database, store and broker.

Thin, like the CLI: an upload becomes the files `jixiao ingest` receives (`jixiao.inputs.uploaded`,
the same receiving rules and per-file reasons), recorded by `worker.receive` and parsed by a
background `jixiao work` (embedded default) or published by `worker.submit` (broker); answers
are `db.queries` rows written by the CLI's own writers, so the API and the CLI give the same
bytes for the same question.

Uploads are read from the socket in chunks into files the server names (a part's name is only a
label), counted against `max_upload_mb` as they come: over it, 413 and the files are deleted. A
batch is created only once the whole request has arrived, so a request refused or broken off
midway leaves nothing behind. At most `max_uploads` requests are received at once; the others
wait for a slot.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from sqlalchemy import Engine
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect
from starlette.types import Message

from db import intake, queries, reporting, transitions
from db.engine import make_engine, migrate
from db.status import FINAL, Status
from jixiao.background import Runner
from jixiao.export import write_csv, write_jsonl, write_xlsx
from jixiao.inputs import MIB, Limits, uploaded
from worker.receive import HOLD, receive
from worker.settings import Settings

MEDIA = {
    "jsonl": "application/x-ndjson; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
CHUNK = 1 << 16


class TooLarge(Exception):
    """The request carried more than the upload limit."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(settings: Settings) -> FastAPI:
    """The API for these settings (the database is migrated once, here)."""
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = settings.store
    store.mkdir(parents=True, exist_ok=True)
    slots = asyncio.Semaphore(settings.max_uploads)
    runner = Runner(settings) if settings.in_process else None
    if runner is not None and queries.documents_in_state(engine, [Status.QUEUED]):
        runner.kick()  # what a stopped server left queued
    app = FastAPI(
        title="jixiao",
        summary="Chinese government performance-target PDFs in, validated rows out",
        version="1",
    )

    def authorised(request: Request) -> None:
        """Every /api/ request carries a valid bearer token (none needed on a loopback server with none set)."""
        if not settings.api_tokens:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        # every token compared, in constant time each: the answer's timing says nothing
        matches = [hmac.compare_digest(given.strip().encode(), t.encode()) for t in settings.api_tokens]
        if scheme.lower() != "bearer" or not any(matches):
            raise HTTPException(401, "a valid token is needed: Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip

    api = [Depends(authorised)]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        """The operators' page (Chinese): it holds no data; it asks the API with the user's token."""
        return HTMLResponse((resources.files("jixiao") / "page" / "index.html").read_text(encoding="utf-8"))

    @app.post("/api/batches", status_code=201, dependencies=api)
    async def upload(request: Request) -> JSONResponse:
        """Receive PDFs and .zip archives (multipart parts named `files`) as one new batch."""
        kind = request.headers.get("content-type", "")
        if not kind.lower().startswith("multipart/form-data") or "boundary=" not in kind:
            raise HTTPException(400, "send multipart/form-data with one or more parts named `files`")
        limit = settings.max_upload_mb * MIB
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise HTTPException(
                413, f"the upload is over {settings.max_upload_mb} MiB (JIXIAO_MAX_UPLOAD_MB)"
            )
        async with slots:
            folder = Path(tempfile.mkdtemp(prefix="upload-", dir=_spool(store)))
            try:
                parts = await _receive_parts(request, folder, limit, settings.max_upload_mb)
                if not parts:
                    raise HTTPException(422, "no part named `files`: nothing to receive")
                answer = await asyncio.to_thread(_register, settings, engine, parts, runner)
            finally:
                await asyncio.to_thread(shutil.rmtree, folder, True)
        return JSONResponse(answer, status_code=201)

    @app.get("/api/batches", dependencies=api)
    def batches(limit: int = Query(default=50, ge=1, le=1000)) -> list[dict[str, Any]]:
        """The newest batches first, each as `GET /api/batches/ID` answers."""
        return [_batch_state(engine, b) for b in queries.batch_ids(engine, limit)]

    @app.get("/api/batches/{batch}", dependencies=api)
    def batch_state(batch: int) -> dict[str, Any]:
        """Counts per status, whether every document of the batch is final, pages and pages/s."""
        return _found(lambda: _batch_state(engine, batch))

    def rerun(docs: list[queries.DocRef]) -> int:
        """Run these documents again: queued for the background parser, or for the workers."""
        if runner is not None:
            for doc in docs:
                transitions.set_status(engine, doc.sha256, Status.QUEUED)
            if docs:
                runner.kick()
        else:
            from worker.app import app as celery_app
            from worker.recovery import requeue

            requeue(engine, celery_app, docs)
        return len(docs)

    @app.post("/api/batches/{batch}/retry", dependencies=api)
    def retry(batch: int) -> dict[str, Any]:
        """Run the batch's failed documents again (`jixiao retry --failed --batch ID`)."""
        _known(engine, batch)
        return {
            "batch": batch,
            "retried": rerun(queries.documents_in_state(engine, [Status.FAILED], batch_id=batch)),
        }

    @app.post("/api/batches/{batch}/reprocess", dependencies=api)
    def reprocess_batch(batch: int) -> dict[str, Any]:
        """Read every finished document of the batch again with the current pipeline."""
        _known(engine, batch)
        return {
            "batch": batch,
            "reprocessed": rerun(queries.documents_in_state(engine, FINAL, batch_id=batch)),
        }

    @app.post("/api/reprocess", dependencies=api)
    def reprocess(scope: Literal["outdated", "all"] = "outdated") -> dict[str, Any]:
        """`jixiao reprocess --outdated|--all`: documents stored by an older pipeline, or every finished one."""
        from pipeline import PIPELINE_VERSION

        docs = (
            queries.outdated(engine, PIPELINE_VERSION)
            if scope == "outdated"
            else queries.documents_in_state(engine, FINAL)
        )
        return {"scope": scope, "reprocessed": rerun(docs)}

    @app.get("/api/documents", dependencies=api)
    def documents(batch: int | None = None) -> list[dict[str, Any]]:
        """The records of `jixiao documents` (all, or one batch's)."""
        _known(engine, batch)
        return list(queries.document_rows(engine, batch_id=batch))

    @app.get("/api/export", dependencies=api)
    def export(
        format: Literal["jsonl", "csv", "xlsx"] = "jsonl",  # noqa: A002 — the contract's name
        batch: int | None = None,
        unit_name: str | None = None,
        year: int | None = Query(default=None, ge=1900, le=2999),
    ) -> FileResponse:
        """One record per indicator row: the bytes `jixiao export` writes for the same filters."""
        _known(engine, batch)
        rows = queries.export_rows(engine, unit_name=unit_name, year=year, batch_id=batch)
        path = _scratch(store, format)
        if format == "xlsx":
            write_xlsx(rows, path, queries.EXPORT_KEYS)
        else:
            with path.open("w", encoding="utf-8", newline="") as fh:
                write_jsonl(rows, fh) if format == "jsonl" else write_csv(rows, fh, queries.EXPORT_KEYS)
        return _file(path, format, "export")

    @app.get("/api/findings", dependencies=api)
    def findings(
        format: Literal["jsonl"] = "jsonl",  # noqa: A002
        batch: int | None = None,
        unit_name: str | None = None,
        year: int | None = Query(default=None, ge=1900, le=2999),
    ) -> FileResponse:
        """One validation finding per line: the bytes `jixiao findings` writes."""
        _known(engine, batch)
        path = _scratch(store, format)
        with path.open("w", encoding="utf-8", newline="") as fh:
            write_jsonl(reporting.finding_rows(engine, None, unit_name, year, batch), fh)
        return _file(path, format, "findings")

    @app.get("/api/report", dependencies=api)
    def report(
        format: Literal["xlsx", "html"] = "xlsx",  # noqa: A002
        batch: int | None = None,
        unit_name: str | None = None,
        year: int | None = Query(default=None, ge=1900, le=2999),
    ) -> FileResponse:
        """The findings report: what `jixiao report` writes for the same filters, without its links
        to the stored PDFs (file paths of the server)."""
        from jixiao.report import write_report

        _known(engine, batch)
        path = _scratch(store, format)
        write_report(engine, path, format, unit_name=unit_name, year=year, batch_id=batch, links=False)
        return _file(path, format, "report")

    return app


def _batch_state(engine: Engine, batch: int) -> dict[str, Any]:
    summary = queries.batch_summary(engine, batch)
    created, last = queries.batch_times(engine, batch)
    seconds = (_utc(last) - _utc(created)).total_seconds() if last is not None else 0.0
    return {
        "batch": batch,
        "counts": summary.counts,
        "done": summary.done,
        "created": _utc(created).isoformat(),
        "pages_done": summary.pages_done,
        "pages_total": summary.pages_total,
        "pages_per_s": round(summary.pages_done / seconds, 2) if seconds > 0 else 0.0,
        "failures": [{"source_name": n, "error": e} for n, e in summary.failures],
    }


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite keeps no zone


async def _receive_parts(request: Request, folder: Path, limit: int, limit_mb: int) -> list[tuple[str, Path]]:
    """Each `files` part of the request in a file of `folder`: (the name it was sent under, where)."""
    counted = _counting(request, limit)
    try:
        form = await Request(request.scope, counted).form(max_files=10_000, max_fields=100)
    except TooLarge:
        raise HTTPException(413, f"the upload is over {limit_mb} MiB (JIXIAO_MAX_UPLOAD_MB)") from None
    except MultiPartException as exc:
        raise HTTPException(400, f"not a readable multipart body: {exc.message}") from None
    except ClientDisconnect:
        raise HTTPException(400, "the connection broke off before the upload ended: nothing kept") from None
    parts: list[tuple[str, Path]] = []
    try:
        for k, item in enumerate(form.getlist("files")):
            if not isinstance(item, UploadFile):
                continue  # a plain field named files: no file in it
            path = folder / f"{k:05d}"
            await asyncio.to_thread(_save, item.file, path)  # off the event loop: other requests go on
            parts.append((_label(item.filename, k), path))
    finally:
        await form.close()
    return parts


def _save(spooled: BinaryIO, path: Path) -> None:
    spooled.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(spooled, out, CHUNK)


def _counting(request: Request, limit: int) -> Callable[[], Awaitable[Message]]:
    """The request's receive channel, refusing (`TooLarge`) past `limit` body bytes."""
    seen = 0

    async def receive_counted() -> Message:
        nonlocal seen
        message = await request.receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge
        return message

    return receive_counted


def _label(filename: str | None, k: int) -> str:
    """The name a part was sent under, as a label: control characters out, never empty."""
    name = "".join(ch for ch in (filename or "") if ch.isprintable()).strip()
    return name or f"upload-{k + 1}.pdf"


def _register(
    settings: Settings, engine: Engine, parts: list[tuple[str, Path]], runner: Runner | None
) -> dict[str, Any]:
    """Record the uploaded files as a new batch and start their parsing; the 201 answer."""
    inputs = uploaded(parts, Limits(max_file_bytes=settings.max_file_mb * MIB))
    batch_id = intake.create_batch(engine, [name for name, _ in parts])
    if settings.in_process:
        received = receive(engine, settings.store, batch_id, inputs.files, hold=HOLD)
        if received.jobs and runner is not None:
            runner.kick()
    else:
        from worker.submit import submit

        received = submit(engine, settings.store, batch_id, inputs.files, hold=HOLD)
    documents = [
        {key: row[key] for key in ("sha256", "source_name", "status")}
        for row in queries.document_rows(engine, batch_id=batch_id)
    ]
    return {
        "batch": batch_id,
        "documents": documents,
        "not_received": [{"source_name": n, "reason": r} for n, r in received.unreadable],
        "ignored": list(inputs.ignored),
    }


def _found(get: Callable[[], Any]) -> Any:
    try:
        return get()
    except transitions.NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None


def _known(engine: Engine, batch: int | None) -> None:
    if batch is not None:
        _found(lambda: queries.check_batch(engine, batch))


def _spool(store: Path) -> Path:
    folder = store / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _scratch(store: Path, fmt: str) -> Path:
    """A new file, named by the server, for one answer."""
    handle, name = tempfile.mkstemp(suffix=f".{fmt}", dir=_spool(store))
    os.close(handle)
    return Path(name)


def _file(path: Path, fmt: str, stem: str) -> FileResponse:
    """The file as the answer, deleted once sent."""
    return FileResponse(
        path, media_type=MEDIA[fmt], filename=f"{stem}.{fmt}", background=BackgroundTask(path.unlink, True)
    )
