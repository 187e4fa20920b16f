"""What the queue costs: the same archive in-process and through Redis, in one run.

    python bench/broker.py [--docs 30] [--seed 3] [--min-pages 6] [--repeat 3]

Needs redis-server (a private one is started on a free port) and PostgreSQL (JIXIAO_TEST_PG_URL,
default postgresql://postgres@127.0.0.1:5432/test; a fresh database per run is created there).
Every mode writes into PostgreSQL, so the comparison is the queue and nothing else:

- in-process, 2 processes (`worker.inprocess.run`, what `jixiao ingest` does without a broker)
- Redis, 1 worker process / 2 worker processes (`jixiao.process_document`, one task per document)
- Redis, 2 worker processes, a chain of 4 tasks per document (bench/chain_app.py: the design
  not taken)

Per mode: documents/s and pages/s (first registration → last document final, from the
database's timestamps); CPU-ms per document of client + workers + Redis (PostgreSQL's server
side is not counted; start-up of interpreters and workers is not counted, the in-process pool's
start is); result-backend KB per document. For the one-task modes the workers record the CPU
of the pipeline itself per document (`timings.parse_cpu`), so "beyond parsing" — what the
queue path costs on top: Celery, Redis, events, progress, stage updates, database writes,
Y1–Y3 — is measured, not estimated. For the other modes it is the total minus the pipeline
alone run serially in this process (an estimate: contention makes parsing dearer).
"""

# ruff: noqa: E402 — the standard imports follow the sys.path line below

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the repository's packages and tests.fixtures

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

CLK = os.sysconf("SC_CLK_TCK")
PG_ADMIN = os.environ.get("JIXIAO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


# --------------------------------------------------------------------------- CPU of process trees


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def tree_cpu(pid: int) -> float:
    """CPU seconds of `pid`, of its live descendants, and of the children they reaped."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # fields[11..14]: utime, stime, cutime, cstime (stat fields 14–17)
    own = sum(int(x) for x in fields[11:15]) / CLK
    return own + sum(tree_cpu(child) for child in _children(pid))


# --------------------------------------------------------------------------- services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_redis(workdir: Path) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def redis_cpu(port: int) -> float:
    import redis

    info = redis.Redis(port=port).info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def backend_bytes(port: int) -> int:
    import redis

    client = redis.Redis(port=port)
    return sum(client.strlen(key) for key in client.scan_iter("celery-task-meta-*", count=1000))


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    name = f"jixiao_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    from db.engine import make_engine, migrate

    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def workers(count: int, app: str, env: dict[str, str], logdir: Path) -> Iterator[list[int]]:
    """`count` Celery workers of one pool process each, as children of this process."""
    procs = []
    for i in range(count):
        log = (logdir / f"worker-{app}-{i}.log").open("ab")
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    app,
                    "worker",
                    "-c",
                    "1",
                    "-n",
                    f"b{i}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        )
    try:
        from celery import Celery

        from worker.celeryconfig import celery_config
        from worker.settings import Settings

        probe = Celery("probe", set_as_current=False)
        probe.conf.update(celery_config(Settings.from_env(env)))
        probe.conf.accept_content = ["json", "pickle"]  # the chain's workers answer in pickle
        expected = {f"b{i}@{socket.gethostname()}" for i in range(count)}
        deadline = time.monotonic() + 60
        while expected - {n for r in probe.control.ping(timeout=0.5) or [] for n in r}:
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start; see " + str(logdir))
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


# --------------------------------------------------------------------------- one measured run


@dataclass(frozen=True)
class Run:
    docs: int
    pages: int
    wall: float  # first registration → last document final
    cpu: float  # seconds: client + workers + Redis
    redis: float
    backend: int  # bytes in the result backend after the run
    parse_cpu: float | None  # seconds of pipeline CPU the workers recorded (one-task modes)


def client(mode: str, archive: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run the client side in a process of its own (as `jixiao ingest` would); its CPU comes back as JSON."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--client", mode, "--archive", str(archive)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"client {mode} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def batch_facts(url: str, batch: int) -> tuple[int, int, float, float | None]:
    """Documents, pages, seconds from first registration to last final, recorded parse CPU."""
    from sqlalchemy import text

    from db.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        docs, pages, first, last, parse = conn.execute(
            text(
                "SELECT count(*), coalesce(sum(d.pages), 0), min(s.created_at), max(d.updated_at), "
                "sum((d.timings->>'parse_cpu')::float) "
                "FROM submissions s JOIN documents d ON d.id = s.document_id WHERE s.batch_id = :b"
            ),
            {"b": batch},
        ).one()
    engine.dispose()
    return int(docs), int(pages), (last - first).total_seconds(), parse


def measure(mode: str, n_workers: int, archive: Path, port: int, work: Path) -> Run:
    work.mkdir(parents=True, exist_ok=True)
    with fresh_database() as url:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),  # never bench/: it would shadow the standard library's `queue`
            "JIXIAO_DATABASE_URL": url,
            "JIXIAO_STORE": str(work / "store"),
            "JIXIAO_BROKER_URL": f"redis://127.0.0.1:{port}/0",
            "JIXIAO_NIGHTLY_AT": "off",
        }
        import redis

        redis.Redis(port=port).flushall()
        if mode == "inprocess":
            env.pop("JIXIAO_BROKER_URL")
            out = client(mode, archive, env)
            docs, pages, wall, _ = batch_facts(url, out["batch"])
            return Run(docs, pages, wall, out["cpu"], 0.0, 0, None)
        app = "bench.chain_app" if mode == "chain" else "worker.app"
        if mode == "chain":
            env["C_FORCE_ROOT"] = "1"  # Celery refuses pickle as root otherwise; a local benchmark only
        with workers(n_workers, app, env, work) as pids:
            before = sum(tree_cpu(p) for p in pids) + redis_cpu(port)
            r_before = redis_cpu(port)
            out = client(mode, archive, env)
            r_after = redis_cpu(port)
            after = sum(tree_cpu(p) for p in pids) + r_after
            stored = backend_bytes(port)
        docs, pages, wall, parse = batch_facts(url, out["batch"])
        return Run(docs, pages, wall, out["cpu"] + after - before, r_after - r_before, stored, parse)


@dataclass(frozen=True)
class Figures:
    """One run's figures, per document."""

    docs_s: float
    pages_s: float
    cpu_ms: float  # client + workers + Redis
    beyond_ms: float  # cpu_ms minus the pipeline's own CPU (recorded, or the serial estimate)
    redis_ms: float
    backend_kb: float

    @classmethod
    def of(cls, run: Run, serial_parse_ms: float) -> Figures:
        cpu_ms = run.cpu / run.docs * 1000
        parse_ms = run.parse_cpu / run.docs * 1000 if run.parse_cpu is not None else serial_parse_ms
        return cls(
            docs_s=run.docs / run.wall,
            pages_s=run.pages / run.wall,
            cpu_ms=cpu_ms,
            beyond_ms=cpu_ms - parse_ms,
            redis_ms=run.redis / run.docs * 1000,
            backend_kb=run.backend / run.docs / 1024,
        )


# --------------------------------------------------------------------------- client processes


def run_client(mode: str, archive: Path) -> None:
    from db import across, intake
    from db.engine import make_engine
    from jixiao.inputs import collect
    from worker.receive import receive
    from worker.settings import Settings

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    store_dir = settings.store
    files = collect([archive]).files
    t0 = time.process_time()
    batch = intake.create_batch(engine, [str(archive)])
    if mode == "inprocess":
        from worker.inprocess import Tick, run

        children = [0.0]

        def sample(tick: Tick) -> None:  # the pool's CPU, read while its processes still live
            if tick.done == tick.total:
                children[0] = sum(tree_cpu(c) for c in _children(os.getpid()))

        received = receive(engine, store_dir, batch, files)
        run(engine, received.jobs, settings, workers=2, listener=sample)
        across.refresh_after(
            engine, [j.sha256 for j in received.jobs], settings.profile(), whole_database=True
        )
        cpu = time.process_time() - t0 + children[0]
    else:
        from worker.app import app
        from worker.follow import follow
        from worker.recovery import live_workers

        if mode == "chain":
            from bench.chain_app import app, enqueue_chain  # its workers answer in pickle

            received = receive(engine, store_dir, batch, files)
            for job in received.jobs:
                enqueue_chain(job.sha256)
        else:
            from worker.submit import submit

            submit(engine, store_dir, batch, files)
        follow(engine, batch, lambda tick: None, workers_alive=lambda: bool(live_workers(app, 2, any_one=True)),
               poll=0.05)  # fmt: skip
        across.refresh_after(engine, (), settings.profile(), whole_database=True)
        cpu = time.process_time() - t0
    print(json.dumps({"batch": batch, "cpu": cpu}))


# --------------------------------------------------------------------------- main


def pipeline_cpu(paths: list[Path]) -> float:
    """CPU seconds of `pipeline.run.process` alone over `paths` (bad files included)."""
    from pipeline.errors import PipelineError
    from pipeline.run import process

    t0 = time.process_time()
    for path in paths:
        try:
            process(path.read_bytes())
        except PipelineError:
            pass
    return time.process_time() - t0


MODES = (
    ("inprocess", 2, "in-process, 2 processes"),
    ("queue", 1, "Redis, 1 worker process"),
    ("queue", 2, "Redis, 2 worker processes"),
    ("chain", 2, "Redis, 2 processes, chain of 4"),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--min-pages", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=1, help="rounds; the table shows medians")
    ap.add_argument("--client", choices=("inprocess", "queue", "chain"), help=argparse.SUPPRESS)
    ap.add_argument("--archive", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.client:
        run_client(args.client, args.archive)
        return 0
    if shutil.which("redis-server") is None:
        print("bench/broker.py needs redis-server", file=sys.stderr)
        return 1

    from tests.fixtures.corpus import write_corpus

    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp:
        work = Path(tmp)
        full = work / "full"
        write_corpus(full, args.docs, args.seed, families=("landscape", "portrait", "rotated", "variants"),
                     min_pages=args.min_pages, jobs=2)  # fmt: skip
        pdfs = sorted(full.rglob("*.pdf"))
        serial_ms = pipeline_cpu(pdfs) / len(pdfs) * 1000

        figures: dict[str, list[Figures]] = {label: [] for _, _, label in MODES}
        with private_redis(work) as port:
            for round_ in range(args.repeat):
                for mode, n, label in MODES:  # interleaved, so a busy spell of the machine hits every mode
                    run = measure(mode, n, full, port, work / f"{mode}{n}-{round_}")
                    figures[label].append(Figures.of(run, serial_ms))
                    pages = run.pages
                    print(f"  round {round_ + 1}/{args.repeat}: {label}", file=sys.stderr)

        repeat = f"; median of {args.repeat} rounds" if args.repeat > 1 else ""
        print(f"archive: {len(pdfs)} documents, {pages} pages; PostgreSQL for every mode; "
              f"{os.cpu_count()} cores{repeat}")  # fmt: skip
        print(f"pipeline alone, serially in one process: {serial_ms:.1f} CPU-ms/document, "
              f"{serial_ms * len(pdfs) / pages:.1f} CPU-ms/page")  # fmt: skip
        print(f"{'mode':32} {'docs/s':>7} {'pages/s':>8} {'CPU-ms/doc':>11} {'beyond parsing':>15} "
              f"{'Redis CPU-ms/doc':>17} {'backend KB/doc':>15}")  # fmt: skip
        median: dict[str, dict[str, float]] = {}
        for _, _, label in MODES:
            runs = figures[label]
            m = {k: statistics.median(getattr(f, k) for f in runs) for k in Figures.__dataclass_fields__}
            median[label] = m
            print(
                f"{label:32} {m['docs_s']:7.1f} {m['pages_s']:8.1f} {m['cpu_ms']:11.1f} "
                f"{m['beyond_ms']:15.1f} {m['redis_ms']:17.2f} {m['backend_kb']:15.1f}"
            )
        inproc, one, chained = (median[MODES[k][2]] for k in (0, 2, 3))
        print(
            f"queue path beyond parsing (measured, Redis, 2 processes): {one['beyond_ms']:.1f} CPU-ms/document"
        )
        print(f"queue vs in-process, total CPU per document: {one['cpu_ms'] - inproc['cpu_ms']:+.1f} ms")
        print(f"chain of 4 instead of one task: {chained['cpu_ms'] - one['cpu_ms']:+.1f} CPU-ms/document, "
              f"{chained['backend_kb'] - one['backend_kb']:+.1f} KB/document in the result backend")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
