"""The design not taken, for `bench/broker.py` to measure: one Celery task per stage, chained.

    celery -A bench.chain_app worker     # started by bench/broker.py, from the repository root

extract → normalize → validate → store, each a task; the records travel between them in the
messages (pickle) and every intermediate result is kept in the result backend, as a chain does
unless each stage ignores its result. Only the benchmark uses this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery, chain

from db import queries, results, transitions
from pipeline import PIPELINE_VERSION
from pipeline.extract import extract
from pipeline.model import Document, Extraction, Finding
from pipeline.normalize import normalize
from pipeline.settings import PipelineSettings
from pipeline.validate import validate
from worker import runtime
from worker.celeryconfig import celery_config
from worker.settings import Settings

QUEUE = "jixiao-chain"

app = Celery("jixiao-chain")
app.conf.update(celery_config(Settings.from_env()))
app.conf.update(
    task_serializer="pickle",
    result_serializer="pickle",
    accept_content=["json", "pickle"],
    task_default_queue=QUEUE,
    beat_schedule={},
)
SETTINGS = PipelineSettings()


@app.task(name="chain.extract")
def extract_stage(sha256: str) -> Extraction:
    engine = runtime.engine()
    transitions.claim(engine, sha256)
    ref = queries.find_document(engine, sha256)
    assert ref is not None
    return extract(Path(ref.store_path).read_bytes(), SETTINGS.extract)


@app.task(name="chain.normalize")
def normalize_stage(extraction: Extraction) -> tuple[Extraction, Document]:
    return extraction, normalize(extraction, SETTINGS.normalize)


@app.task(name="chain.validate")
def validate_stage(pair: tuple[Extraction, Document]) -> tuple[Document, tuple[Finding, ...]]:
    _, document = pair
    return document, tuple(validate(document, SETTINGS.validate))


@app.task(name="chain.store")
def store_stage(pair: tuple[Document, tuple[Finding, ...]], sha256: str) -> dict[str, Any]:
    document, findings = pair
    results.save_outcome(runtime.engine(), sha256, document, findings, PIPELINE_VERSION, {})
    return {"sha256": sha256, "projects": len(document.projects)}


def enqueue_chain(sha256: str) -> None:
    chain(
        extract_stage.s(sha256), normalize_stage.s(), validate_stage.s(), store_stage.s(sha256)
    ).apply_async()
