"""PDF bombs through Redis and Celery workers (issue 8): the pool processes parse under the
memory cap, and a document that runs into the hard time limit ends `failed` at once, so
`jixiao ingest`, following the batch, finishes. Small limits on purpose: soft 4 s, hard 8 s,
600 MB.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.bombs import TEXT_LEAF, flate_bomb, form_bomb
from tests.worker.conftest import RedisServer, Stack, batch_of, documents, make_corpus, start_stack

HARD = 8


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer, pg_database: str
) -> Iterator[Stack]:
    limits = {
        "JIXIAO_SOFT_TIME_LIMIT": "4",
        "JIXIAO_HARD_TIME_LIMIT": str(HARD),
        "JIXIAO_MAX_PARSE_MB": "600",
    }
    s = start_stack(
        tmp_path_factory.mktemp("stack"),
        redis_server,
        pg_database,
        workers=2,
        with_flower=False,
        extra_env=limits,
    )
    try:
        yield s
    finally:
        s.stop()


def test_bombs_end_failed_with_their_reasons_and_ingest_following_the_batch_finishes(
    stack: Stack, tmp_path: Path
) -> None:
    folder = make_corpus(tmp_path / "in", 2, 3, ("portrait",))
    good = sorted(p.name for p in folder.rglob("*.pdf"))
    # pdfium's text page over 2**17 glyphs: C code the soft limit's signal cannot interrupt
    (folder / "glyphs.pdf").write_bytes(form_bomb(17, TEXT_LEAF))
    # a content stream inflating to 1 GB: 3 GB uncapped; under the cap pdfium aborts its process
    (folder / "inflates.pdf").write_bytes(flate_bomb(1024))

    started = time.monotonic()
    done = stack.jixiao("ingest", str(folder), timeout=150)
    elapsed = time.monotonic() - started

    assert done.returncode == 0, done.stderr + stack.logs()
    rows = {r["source_name"].rsplit("/", 1)[-1]: r for r in documents(stack, batch_of(done))}
    assert {name: rows[name]["status"] for name in good} == dict.fromkeys(good, "stored")
    glyphs = rows["glyphs.pdf"]
    assert glyphs["status"] == "failed"
    assert glyphs["error"].startswith(f"parsing took longer than the time limit per document ({HARD} s)")
    assert "JIXIAO_HARD_TIME_LIMIT" in glyphs["error"]
    inflates = rows["inflates.pdf"]
    assert inflates["status"] == "failed"
    # each delivery dies at the cap (SIGABRT), the message comes back, the fourth is refused
    assert inflates["error"].startswith("needed more than 600 MB while parsing"), stack.logs()
    assert inflates["error"].endswith("(the worker process died 3 times)")
    assert "JIXIAO_MAX_PARSE_MB" in inflates["error"]
    assert elapsed < 120, done.stderr
