"""`jixiao serve` in broker mode: uploads parsed by Celery workers through Redis, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_serve import SAMPLES, Server, start_server, stop, upload, wait_done
from tests.worker.conftest import RedisServer, Stack, jsonl, start_stack


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer, pg_database: str
) -> Iterator[Stack]:
    s = start_stack(tmp_path_factory.mktemp("stack"), redis_server, pg_database, workers=2, with_flower=False)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def server(stack: Stack) -> Iterator[Server]:
    s = start_server(stack.root, stack.env)
    try:
        yield s
    finally:
        stop(s)


def test_an_upload_is_parsed_on_the_workers_and_answers_as_the_cli_does(stack: Stack, server: Server) -> None:
    with server.client() as client:
        answer = upload(client, [(p.name, p.read_bytes()) for p in SAMPLES])
        assert answer.status_code == 201, answer.text
        batch = answer.json()["batch"]
        state = wait_done(client, batch)
        assert state["counts"]["stored"] == 6 and state["counts"]["failed"] == 1, state
        for verb, path in (("documents", "/api/documents"),):
            done = stack.jixiao(verb, "--batch", str(batch))
            assert client.get(path, params={"batch": batch}).json() == jsonl(done.stdout)
        export = stack.jixiao("export", "--batch", str(batch))
        assert export.returncode == 0, export.stderr
        got = client.get("/api/export", params={"batch": batch}).text
        assert got == export.stdout and len(got.splitlines()) == 465
    assert not list(Path(stack.store).glob(f"logs/batch-{batch}.log"))  # no local `jixiao work` ran it
