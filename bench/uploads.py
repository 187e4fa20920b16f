"""Uploads over loopback to `jixiao serve` (issue 11): MB/s, time to the first stored document,
and many small uploads at once with their latencies.

    python bench/uploads.py [--archive DIR] [--concurrent 100] [--database-url URL]

Starts `jixiao serve` (embedded default: parsed in the background on this machine) on a free
loopback port with a fresh SQLite database and store in a temporary folder (or the database
given), then:
1. uploads every PDF under `--archive` (default: the committed golden fixtures, 112 files) in
   one request: MB/s of the request, seconds to the first document `stored` (from the request's
   start), and seconds until the batch is done;
2. sends `--concurrent` small uploads (one distinct one-page PDF each) at the same moment from
   as many threads: latency per request (p50, p90, max) and statuses. The server receives
   JIXIAO_MAX_UPLOADS of them at once (4 by default); the others wait for a slot.
Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: tests.cli.files makes the small PDFs

from tests.cli.files import plain_pdf  # noqa: E402

TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(folder: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    env.update(
        JIXIAO_DATABASE_URL=database_url or f"sqlite:///{folder / 'jixiao.db'}",
        JIXIAO_STORE=str(folder / "store"),
        JIXIAO_API_TOKENS=TOKEN,
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "jixiao", "serve", "--port", str(port)], env=env, cwd=folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("jixiao serve did not answer within 60 s")


def one_batch(client: httpx.Client, files: list[Path]) -> None:
    size = sum(p.stat().st_size for p in files)
    parts = [("files", (p.name, p.open("rb"), "application/pdf")) for p in files]
    started = time.monotonic()
    answer = client.post("/api/batches", files=parts)
    sent = time.monotonic() - started
    for _, (_, fh, _) in parts:
        fh.close()
    answer.raise_for_status()
    batch = answer.json()["batch"]
    first = None
    while True:
        state = client.get(f"/api/batches/{batch}").json()
        if first is None and state["counts"].get("stored", 0):
            first = time.monotonic() - started
        if state["done"]:
            break
        time.sleep(0.05)  # polling the API, as the page does (every 2 s there)
    done = time.monotonic() - started
    counts = {k: v for k, v in state["counts"].items() if v}
    print(
        f"one batch: {len(files)} files, {size / 1e6:.1f} MB sent in {sent:.2f} s = {size / 1e6 / sent:.1f} MB/s"
    )
    print(
        f"  first document stored {first:.2f} s after the request started; batch done after {done:.1f} s {counts}"
    )
    print(f"  {state['pages_done']} pages, {state['pages_per_s']} pages/s as the API reports it")


def many_small(url: str, n: int) -> None:
    pdfs = [plain_pdf(f"bench {time.time_ns()} {k}") for k in range(n)]
    latencies: list[float] = [0.0] * n
    statuses: list[int] = [0] * n
    gate = threading.Barrier(n)

    def send(k: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300) as c:
            gate.wait()
            t = time.monotonic()
            r = c.post("/api/batches", files=[("files", (f"small-{k}.pdf", pdfs[k], "application/pdf"))])
            latencies[k], statuses[k] = time.monotonic() - t, r.status_code

    threads = [threading.Thread(target=send, args=(k,)) for k in range(n)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    q = statistics.quantiles(latencies, n=10)
    by_status = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"{n} small uploads at once: all answered in {wall:.2f} s, statuses {by_status}")
    print(f"  latency p50 {statistics.median(latencies):.3f} s, p90 {q[8]:.3f} s, max {max(latencies):.3f} s")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as c:
        while not all(b["done"] for b in c.get("/api/batches", params={"limit": n + 1}).json()):
            time.sleep(0.2)  # the background parser ends before the server does
    print(f"  all {n} parsed {time.monotonic() - started:.1f} s after they were sent")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--archive", type=Path, default=ROOT / "tests" / "fixtures" / "golden")
    parser.add_argument("--concurrent", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    files = sorted(args.archive.rglob("*.pdf"))
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-uploads-") as tmp:
        proc, url = start(Path(tmp), args.database_url)
        try:
            print(
                f"machine: {os.cpu_count()} cores; jixiao serve at {url} (embedded, SQLite unless --database-url)"
            )
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600
            ) as client:
                one_batch(client, files)
            many_small(url, args.concurrent)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
