"""`jixiao serve` in broker mode, started by deploy/run-local beside the workers: uploads parsed
by Celery workers through Redis, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_serve import SAMPLES, TOKEN, Server, upload, wait_done
from tests.worker.conftest import Stack, jsonl


@pytest.fixture(scope="module")
def stack_options() -> dict[str, Any]:
    return {"with_api": True, "extra_env": {"JIXIAO_API_TOKENS": TOKEN}}


def test_an_upload_is_parsed_on_the_workers_and_answers_as_the_cli_does(stack: Stack) -> None:
    server = Server(f"http://127.0.0.1:{stack.api_port}", stack.env, stack.root, None)
    with server.client() as client:
        answer = upload(client, [(p.name, p.read_bytes()) for p in SAMPLES])
        assert answer.status_code == 201, answer.text
        batch = answer.json()["batch"]
        state = wait_done(client, batch)
        assert state["counts"]["stored"] == 6 and state["counts"]["failed"] == 1, state
        done = stack.jixiao("documents", "--batch", str(batch))
        assert client.get("/api/documents", params={"batch": batch}).json() == jsonl(done.stdout)
        export = stack.jixiao("export", "--batch", str(batch))
        assert export.returncode == 0, export.stderr
        got = client.get("/api/export", params={"batch": batch}).text
        assert got == export.stdout and len(got.splitlines()) == 465
        assert client.get("/api/documents", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert not list(Path(stack.store).glob(f"logs/batch-{batch}.log"))  # no local `jixiao work` ran it
