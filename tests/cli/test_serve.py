"""`jixiao serve` on the embedded default (SQLite, parsed in the background on this machine).

A real server in a process of its own on a loopback port, spoken to over HTTP; its answers are
compared with the CLI's on the same database.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from jixiao.cli import main
from tests.cli.files import overlapping_zip, plain_pdf, zip_of
from tests.worker.conftest import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "samples").rglob("*.pdf"))
TOKEN = "t0ken-for-tests"


@dataclass
class Server:
    url: str
    env: dict[str, str]
    root: Path
    proc: subprocess.Popen[bytes] | None  # None: started by deploy/run-local

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def cli(self, *args: str) -> str:
        done = CliRunner().invoke(main, list(args), env=self.env, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return done.stdout

    @property
    def store(self) -> Path:
        return Path(self.env["JIXIAO_STORE"])

    def kept(self) -> set[Path]:
        """The files the store keeps (uploads waiting in tmp/ and logs aside)."""
        return {p for p in self.store.rglob("*") if p.is_file() and not {"tmp", "logs"} & set(p.parts)}


def start_server(root: Path, base: dict[str, str] | None = None, **extra: str) -> Server:
    """`jixiao serve` on a free loopback port; `base`: the environment (default: SQLite and a store in root)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    env.update(
        base
        or {"JIXIAO_DATABASE_URL": f"sqlite:///{root / 'jixiao.db'}", "JIXIAO_STORE": str(root / "store")}
    )
    env.update(JIXIAO_API_TOKENS=TOKEN, PYTHONPATH=str(REPO), **extra)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jixiao", "serve", "--port", str(port)],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Server(f"http://127.0.0.1:{port}", env, root, proc)

    def answers() -> bool:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "server exited"
        try:
            return httpx.get(f"{server.url}/openapi.json", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(answers, 30, "jixiao serve to answer")
    return server


def stop(server: Server) -> None:
    server.proc.terminate()
    server.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("serve"), JIXIAO_MAX_UPLOAD_MB="2")
    try:
        yield s
    finally:
        stop(s)


def upload(client: httpx.Client, files: list[tuple[str, bytes]]) -> httpx.Response:
    return client.post(
        "/api/batches", files=[("files", (name, data, "application/pdf")) for name, data in files]
    )


def wait_done(client: httpx.Client, batch: int) -> dict[str, object]:
    return wait_until(
        lambda: (r := client.get(f"/api/batches/{batch}").json())["done"] and r, 240, "the batch"
    )


def test_an_upload_is_parsed_and_answers_as_the_cli_does(server: Server) -> None:
    with server.client() as client:
        answer = upload(client, [(p.name, p.read_bytes()) for p in SAMPLES])
        assert answer.status_code == 201, answer.text
        body = answer.json()
        batch = body["batch"]
        assert [d["source_name"] for d in body["documents"]] == [p.name for p in SAMPLES]
        assert {d["status"] for d in body["documents"]} <= {"queued", "duplicate"}
        state = wait_done(client, batch)
        assert state["counts"]["stored"] == 6 and state["counts"]["failed"] == 1  # samples/README
        assert state["counts"]["duplicate"] == 1
        docs = client.get("/api/documents", params={"batch": batch}).json()
        assert docs == [
            json.loads(line) for line in server.cli("documents", "--batch", str(batch)).splitlines()
        ]
        failed = [d for d in docs if d["status"] == "failed"]
        assert failed[0]["source_name"] == "truncated.pdf" and failed[0]["error"]
        for fmt in ("jsonl", "csv"):
            got = client.get("/api/export", params={"format": fmt, "batch": batch})
            assert got.status_code == 200
            assert got.text == server.cli("export", "--format", fmt, "--batch", str(batch))
        assert len(client.get("/api/export", params={"batch": batch}).text.splitlines()) == 465
        findings = client.get("/api/findings", params={"batch": batch, "year": 2025})
        assert findings.text == server.cli("findings", "--batch", str(batch), "--year", "2025")
        assert findings.text.count("\n") > 0
        xlsx = client.get("/api/export", params={"format": "xlsx", "batch": batch})
        assert xlsx.content[:2] == b"PK" and "spreadsheetml" in xlsx.headers["content-type"]
        page = client.get("/api/report", params={"format": "html", "batch": batch})
        assert page.status_code == 200 and f"批次：{batch}" in page.text
        assert "file:" not in page.text and str(server.root) not in page.text  # no paths of the server
        out = server.root / "report.html"
        server.cli("report", "--format", "html", "--batch", str(batch), "--no-links", "--out", str(out))
        assert page.text == out.read_text(encoding="utf-8")
        out.unlink()
    # upload and answer files go (an answer's once it has been sent)
    wait_until(lambda: not any((server.store / "tmp").iterdir()), 20, "the answer files to go")


def test_failed_documents_are_retried_and_batches_reprocessed(server: Server) -> None:
    with server.client() as client:
        batch = upload(client, [("broken.pdf", b"%PDF-1.4 not really")]).json()["batch"]
        assert wait_done(client, batch)["counts"]["failed"] == 1
        first = client.get("/api/documents", params={"batch": batch}).json()[0]
        assert client.post(f"/api/batches/{batch}/retry").json() == {"batch": batch, "retried": 1}
        assert wait_done(client, batch)["counts"]["failed"] == 1  # read again: the same reason
        again = client.get("/api/documents", params={"batch": batch}).json()[0]
        assert again["error"] == first["error"] and again["status"] == "failed"
        assert client.post("/api/batches/999999/retry").status_code == 404
        again = client.post(f"/api/batches/{batch}/reprocess").json()
        assert again == {"batch": batch, "reprocessed": 1}
        assert wait_done(client, batch)["counts"]["failed"] == 1
        assert client.post("/api/reprocess", params={"scope": "outdated"}).json()["reprocessed"] == 0


def test_zip_members_enter_under_the_archive_s_name_and_a_bomb_is_refused(server: Server) -> None:
    table = (
        REPO / "tests" / "fixtures" / "golden" / "layout-calc-symbol" / "calc-symbol-2023.pdf"
    ).read_bytes()
    archive = zip_of({"a/one.pdf": table, "two.pdf": plain_pdf("two"), "notes.txt": b"x"})
    with server.client() as client:
        sent = [
            ("units.zip", archive),
            ("bomb.zip", overlapping_zip(plain_pdf("b"))),
            ("bad.zip", b"PK no zip"),
        ]
        body = upload(client, sent).json()
        names = [d["source_name"] for d in body["documents"]]
        assert names[:2] == ["units.zip!a/one.pdf", "units.zip!two.pdf"]
        assert body["ignored"] == ["units.zip!notes.txt"]
        wait_done(client, body["batch"])
        docs = client.get("/api/documents", params={"batch": body["batch"]}).json()
        bomb = next(d for d in docs if d["source_name"] == "bomb.zip")
        assert bomb["status"] == "failed" and "zip archive refused" in bomb["error"]
        rows = [
            json.loads(line)
            for line in client.get("/api/export", params={"batch": body["batch"]}).text.splitlines()
        ]
        assert rows and {r["source_name"] for r in rows} <= set(names)  # this batch's documents only
        assert server.cli("export", "--batch", str(body["batch"])) == "".join(
            json.dumps(r, ensure_ascii=False) + "\n" for r in rows
        )
        bad = next(d for d in docs if d["source_name"] == "bad.zip")
        assert bad["status"] == "failed" and "not a readable zip archive" in bad["error"]
        assert str(server.root) not in json.dumps(docs)  # no paths of this machine in answers


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"content": b"{}", "headers": {"Content-Type": "application/json"}}, 400),
        ({"data": {"note": "no files"}, "files": [("other", ("x.pdf", b"%PDF-", "application/pdf"))]}, 422),
        ({"files": [("files", ("big.pdf", b"%PDF-" + b"0" * (3 << 20), "application/pdf"))]}, 413),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_kept(
    server: Server, request_kwargs: dict[str, object], status: int
) -> None:
    with server.client() as client:
        before, kept = client.get("/api/documents").json(), server.kept()
        answer = client.post("/api/batches", **request_kwargs)  # type: ignore[arg-type]
        assert answer.status_code == status, answer.text
        assert client.get("/api/documents").json() == before
        assert server.kept() == kept


def test_an_upload_over_the_limit_without_a_length_is_refused_as_it_streams(server: Server) -> None:
    def body() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n\r\n'
        for _ in range(48):
            yield b"0" * (1 << 16)
        yield b"\r\n--b--\r\n"

    with server.client() as client:
        before = client.get("/api/documents").json()
        answer = client.post(
            "/api/batches", content=body(), headers={"Content-Type": "multipart/form-data; boundary=b"}
        )
        assert answer.status_code == 413
        assert client.get("/api/documents").json() == before


def test_a_connection_broken_mid_upload_leaves_nothing(server: Server) -> None:
    with server.client() as client:
        before = client.get("/api/documents").json()
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("POST", "/api/batches")
    conn.putheader("Authorization", f"Bearer {TOKEN}")
    conn.putheader("Content-Type", "multipart/form-data; boundary=b")
    conn.putheader("Content-Length", str(1 << 20))
    conn.endheaders()
    conn.send(b'--b\r\nContent-Disposition: form-data; name="files"; filename="half.pdf"\r\n\r\n%PDF-1.4 ')
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    with server.client() as client:
        after = upload(client, [("whole.pdf", plain_pdf("whole"))]).json()  # the server goes on
        docs = client.get("/api/documents").json()
    assert [d["source_name"] for d in docs[len(before) :]] == ["whole.pdf"]
    wait_until(lambda: not any((server.store / "tmp").iterdir()), 20, "the broken upload's files to go")
    assert after["batch"] > 0


def test_tokens_and_unknown_batches(server: Server) -> None:
    with server.client(token=None) as anonymous:
        assert anonymous.get("/api/documents").status_code == 401
        assert anonymous.get("/openapi.json").status_code == 200
    with server.client(token="wrong") as wrong:
        assert wrong.get("/api/batches/1").status_code == 401
        assert wrong.post("/api/batches", files=[("files", ("x.pdf", b"%PDF-"))]).status_code == 401
    with server.client() as client:
        assert client.get("/api/batches/999999").status_code == 404
        assert client.get("/api/export", params={"batch": 999999}).status_code == 404
        assert client.get("/api/documents", params={"batch": 999999}).status_code == 404


def test_the_openapi_document_describes_the_api(server: Server) -> None:
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    for path in ("/api/batches", "/api/batches/{batch}", "/api/documents", "/api/export", "/api/findings",
                 "/api/report"):  # fmt: skip
        assert path in paths


def test_serve_refuses_to_listen_beyond_loopback_without_tokens(tmp_path: Path) -> None:
    env = {"JIXIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'j.db'}", "JIXIAO_API_TOKENS": ""}
    done = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"], env=env)
    assert done.exit_code == 1 and "without tokens" in done.output


def test_cli_batch_filters_of_a_batch_that_does_not_exist_give_nothing(tmp_path: Path) -> None:
    """As `documents --batch` always has (the API answers 404 instead)."""
    env = {"JIXIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'j.db'}", "JIXIAO_STORE": str(tmp_path / "s")}
    for verb in ("export", "findings", "documents"):
        done = CliRunner().invoke(main, [verb, "--batch", "7"], env=env)
        assert done.exit_code == 0 and done.stdout == ""


def test_uploads_beyond_the_limit_wait_for_a_slot(tmp_path: Path) -> None:
    """JIXIAO_MAX_UPLOADS=1: an upload sent whole while another is still arriving is received
    after it (its batch comes second), not beside it."""
    server = start_server(tmp_path, JIXIAO_MAX_UPLOADS="1")
    try:
        host, port = server.url.removeprefix("http://").split(":")

        def opened(name: str, body: bytes, length: int) -> http.client.HTTPConnection:
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
            conn.putrequest("POST", "/api/batches")
            conn.putheader("Authorization", f"Bearer {TOKEN}")
            conn.putheader("Content-Type", "multipart/form-data; boundary=b")
            conn.putheader("Content-Length", str(length))
            conn.endheaders()
            conn.send(body)
            return conn

        def part(name: str, data: bytes) -> bytes:
            head = f'--b\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'.encode()
            return head + data + b"\r\n--b--\r\n"

        first, second = part("first.pdf", plain_pdf("first")), part("second.pdf", plain_pdf("second"))
        a = opened("first.pdf", first[:100], len(first))  # holds the only slot, its body unfinished
        wait_until(
            lambda: any((server.store / "tmp").glob("upload-*")), 20, "the first upload to take the slot"
        )
        b = opened("second.pdf", second, len(second))  # whole, and waiting
        b.sock.settimeout(3)  # a window in which no answer may come: the slot is taken
        with pytest.raises(TimeoutError):
            b.getresponse()
        b.sock.settimeout(60)
        a.send(first[100:])
        batch_a = json.loads(a.getresponse().read())["batch"]
        batch_b = json.loads(b.getresponse().read())["batch"]
        assert batch_a < batch_b
    finally:
        stop(server)
