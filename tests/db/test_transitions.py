"""`db.transitions`: A document's status changes."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from db import queries, results, transitions
from tests.db.factories import document, registered, sha


def test_claim_set_status_and_mark_failed(engine: Engine) -> None:
    _, digest = registered(engine)
    assert transitions.claim(engine, digest) is True
    assert transitions.claim(engine, digest, stage="normalize") is True  # a redelivered task may go on
    assert queries.find_document(engine, digest) == queries.DocRef(digest, "a.pdf", "/store/a.pdf", "running")

    transitions.mark_failed(engine, digest, "文件已加密，无法读取", stage="extract")
    assert transitions.claim(engine, digest) is False  # final: an idempotent task does nothing
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["error"]) == ("failed", "文件已加密，无法读取")

    transitions.set_status(engine, digest, "queued")  # retry
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["error"]) == ("queued", None)
    assert transitions.claim(engine, digest) is True
    assert transitions.claim(engine, sha("unknown")) is False


def test_status_changes_refuse_unknown_documents_and_statuses(engine: Engine) -> None:
    _, digest = registered(engine)
    with pytest.raises(ValueError):
        transitions.set_status(engine, digest, "duplicate")
    with pytest.raises(transitions.NotFoundError):
        transitions.set_status(engine, sha("nope"), "queued")
    with pytest.raises(transitions.NotFoundError):
        transitions.mark_failed(engine, sha("nope"), "x")
    with pytest.raises(transitions.NotFoundError):
        results.save_outcome(engine, sha("nope"), document(), [], "v1", {})


def test_set_stage_only_moves_a_running_document(engine: Engine) -> None:
    _, digest = registered(engine)
    assert transitions.set_stage(engine, digest, "extract") is False  # still queued: untouched
    transitions.claim(engine, digest)
    assert transitions.set_stage(engine, digest, "validate") is True
    results.save_outcome(engine, digest, document(), [], "v1", {})
    assert transitions.set_stage(engine, digest, "normalize") is False  # a late report changes nothing
    assert queries.find_document(engine, digest) == queries.DocRef(
        digest, "a.pdf", "/store/a.pdf", "stored", unit_name="拉萨市信访局本级", budget_year=2024
    )
