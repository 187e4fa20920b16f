"""`jixiao serve` in broker mode, started by deploy/run-local beside the workers: uploads parsed
by Celery workers through Redis, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_page import browser, drive_page  # noqa: F401 — the fixture
from tests.cli.test_serve import REPO, TOKEN, Server, upload, wait_done
from tests.worker.conftest import Stack, jsonl

GOLDEN = REPO / "tests" / "fixtures" / "golden" / "layout-calc-symbol"


@pytest.fixture(scope="module")
def stack_options() -> dict[str, Any]:
    return {"with_api": True, "extra_env": {"JIXIAO_API_TOKENS": TOKEN}}


@pytest.fixture
def server(stack: Stack) -> Server:
    return Server(f"http://127.0.0.1:{stack.api_port}", stack.env, stack.root, None)


def test_the_page_works_with_the_workers(server: Server, browser: tuple[object, Path]) -> None:  # noqa: F811
    drive_page(server, *browser)


def test_an_upload_is_parsed_on_the_workers_and_answers_as_the_cli_does(stack: Stack, server: Server) -> None:
    # files of their own: the page test of this module uploads the samples
    files = [(p.name, p.read_bytes()) for p in sorted(GOLDEN.glob("*.pdf"))] + [
        ("broken.pdf", b"%PDF-1.4 cut")
    ]
    with server.client() as client:
        answer = upload(client, files)
        assert answer.status_code == 201, answer.text
        batch = answer.json()["batch"]
        state = wait_done(client, batch)
        assert state["counts"]["stored"] == len(files) - 1 and state["counts"]["failed"] == 1, state
        done = stack.jixiao("documents", "--batch", str(batch))
        assert client.get("/api/documents", params={"batch": batch}).json() == jsonl(done.stdout)
        export = stack.jixiao("export", "--batch", str(batch))
        assert export.returncode == 0, export.stderr
        got = client.get("/api/export", params={"batch": batch}).text
        assert got == export.stdout and len(got.splitlines()) > 20
        assert client.get("/api/documents", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert not list(Path(stack.store).glob(f"logs/batch-{batch}.log"))  # no local `jixiao work` ran it
