"""`db.intake`: Receiving: batches, registration, duplicates."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from db import intake, queries, results
from db.models import Submission
from tests.db.factories import count, document, registered, sha


def test_register_new_then_duplicate(engine: Engine) -> None:
    batch = intake.create_batch(engine, ["in/"])
    first = intake.register(engine, batch, sha("x"), "x.pdf", "/s/x.pdf", pages=4)
    again = intake.register(engine, batch, sha("x"), "copy of x.pdf", "/s/x.pdf")
    other = intake.register(engine, batch, sha("y"), "y.pdf", "/s/y.pdf")

    assert first == intake.Registration(first.document_id, sha("x"), duplicate=False, status="queued")
    assert again == intake.Registration(first.document_id, sha("x"), duplicate=True, status="queued")
    assert other.document_id != first.document_id and not other.duplicate
    assert count(engine, Submission) == 3

    rows = list(queries.document_rows(engine, batch))
    assert [(r["source_name"], r["status"]) for r in rows] == [
        ("x.pdf", "queued"),
        ("copy of x.pdf", "duplicate"),
        ("y.pdf", "queued"),
    ]
    assert rows[0]["pages"] == 4 and rows[1]["pages"] == 4


def test_duplicate_reports_the_originals_current_status(engine: Engine) -> None:
    batch, digest = registered(engine)
    results.save_outcome(engine, digest, document(), [], "v1", {})
    later = intake.create_batch(engine, ["again"])
    reg = intake.register(engine, later, digest, "again.pdf", "/s/a.pdf")
    assert reg.duplicate and reg.status == "stored"
    assert [r["status"] for r in queries.document_rows(engine, later)] == ["duplicate"]
    assert [r["status"] for r in queries.document_rows(engine, batch)] == ["stored"]


def test_register_refuses_a_malformed_sha(engine: Engine) -> None:
    batch = intake.create_batch(engine, [])
    with pytest.raises(ValueError):
        intake.register(engine, batch, "ABC", "a.pdf", "/s/a.pdf")
