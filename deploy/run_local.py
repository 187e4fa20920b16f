#!/usr/bin/env python3
"""One machine, no Docker: start Celery workers, beat and Flower against local Redis and PostgreSQL.

    deploy/run-local start  [--workers N] [--concurrency C] [--queues Q,…] [--prefix P]
                            [--no-beat] [--no-flower] [--no-api] [--wait]
    deploy/run-local status
    deploy/run-local stop   [--timeout S]

Configuration comes from the environment (see deploy/.env.example; `--env-file FILE` reads
one): JIXIAO_BROKER_URL, JIXIAO_DATABASE_URL, JIXIAO_STORE, FLOWER_BASIC_AUTH (user:password,
required for Flower), FLOWER_PORT (5555), JIXIAO_FLOWER_MAX_TASKS (10000); for the HTTP API
(`jixiao serve`, uploads and the operators' page) JIXIAO_API_HOST (127.0.0.1), JIXIAO_API_PORT
(8000) and JIXIAO_API_TOKENS (required beyond loopback).

Workers consume the documents' queue `jixiao` and the scanned pages' queue `ocr` (`--queues`,
JIXIAO_WORKER_QUEUES): `--queues ocr --prefix ocr` on a machine of OCR workers, `--queues jixiao`
on one that should leave scanned pages to them. Workers are named PREFIX1@host, PREFIX2@host….

Every service runs in a session of its own; its PID is written to RUN_DIR/<name>.pid and its
output to RUN_DIR/<name>.log (RUN_DIR: --run-dir, $JIXIAO_RUN_DIR, or ./jixiao-run). `start`
starts only what is not already running, so after a crash it restarts the missing pieces.
`stop` sends SIGTERM (a worker finishes its current documents), then SIGKILL to the service's
process group after --timeout seconds.
"""

from __future__ import annotations

import argparse
import base64
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: worker.app must be importable
FLOWER_COLUMNS = "name,uuid,state,kwargs,result,received,started,runtime,retries,worker"
# gossip would make every worker consume every other worker's task events; mingle only syncs
# revoked ids at start-up. Neither serves this product; both cost start-up time and CPU.
WORKER_FLAGS = ("--without-gossip", "--without-mingle")
QUEUES = "jixiao,ocr"  # worker.celeryconfig.QUEUES: documents, and scanned pages read one per task


@dataclass(frozen=True)
class Service:
    name: str  # file stem of its .pid and .log
    argv: list[str]


def services(args: argparse.Namespace, env: Mapping[str, str]) -> list[Service]:
    celery = [sys.executable, "-m", "celery", "-A", "worker.app"]
    run_dir = Path(args.run_dir)
    out = [
        Service(
            f"worker-{args.prefix}{i}" if args.prefix != "w" else f"worker-{i}",
            [
                *celery,
                "worker",
                "-n",
                f"{args.prefix}{i}@%h",
                "-c",
                str(args.concurrency),
                "-Q",
                args.queues,
                *WORKER_FLAGS,
                "--loglevel",
                args.loglevel,
            ],
        )
        for i in range(1, args.workers + 1)
    ]
    if args.beat:
        schedule = run_dir / "beat-schedule"
        out.append(Service("beat", [*celery, "beat", "-s", str(schedule), "--loglevel", args.loglevel]))
    if args.flower:
        if not env.get("FLOWER_BASIC_AUTH"):
            raise SystemExit(
                "run-local: FLOWER_BASIC_AUTH is not set (user:password); Flower never runs without it. "
                "Set it, or pass --no-flower."
            )
        max_tasks = env.get("JIXIAO_FLOWER_MAX_TASKS", "10000")
        out.append(
            Service(
                "flower",
                [
                    *celery,
                    "flower",
                    f"--max_tasks={max_tasks}",
                    f"--tasks_columns={FLOWER_COLUMNS}",
                    # FLOWER_BASIC_AUTH and FLOWER_PORT reach Flower through the environment,
                    # so the password never shows in `ps`
                ],
            )
        )
    if args.api:
        host, port = env.get("JIXIAO_API_HOST", "127.0.0.1"), env.get("JIXIAO_API_PORT", "8000")
        out.append(Service("api", [sys.executable, "-m", "jixiao", "serve", "--host", host, "--port", port]))
    return out


# --------------------------------------------------------------------------- pid files


def pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.pid"


def read_pid(run_dir: Path, name: str) -> int | None:
    try:
        return int(pid_file(run_dir, name).read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped by its parent) is not alive
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state != "Z"


def known(run_dir: Path) -> list[str]:
    return sorted(p.stem for p in run_dir.glob("*.pid"))


# --------------------------------------------------------------------------- commands


def start(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    if args.env_file:
        env.update(read_env_file(Path(args.env_file)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    run_dir = Path(args.run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    for var in ("JIXIAO_BROKER_URL", "JIXIAO_DATABASE_URL"):
        if not env.get(var):
            print(f"run-local: {var} is not set; using the default", file=sys.stderr)
    started: list[str] = []
    for service in services(args, env):
        pid = read_pid(run_dir, service.name)
        if alive(pid):
            print(f"{service.name}: already running (pid {pid})")
            continue
        log = run_dir / f"{service.name}.log"
        with log.open("ab") as out:
            out.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {shlex.join(service.argv)}\n".encode())
            out.flush()
            proc = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
                service.argv,
                cwd=args.cwd or os.getcwd(),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pid_file(run_dir, service.name).write_text(f"{proc.pid}\n")
        print(f"{service.name}: started (pid {proc.pid}, log {log})")
        started.append(service.name)
    if args.wait:
        return wait_ready(args, env, run_dir)
    return 0


def wait_ready(args: argparse.Namespace, env: Mapping[str, str], run_dir: Path) -> int:
    """Until every worker answers a ping and Flower its API (or --wait-timeout passes)."""
    deadline = time.monotonic() + args.wait_timeout
    expected = {f"{args.prefix}{i}@{socket.gethostname()}" for i in range(1, args.workers + 1)}
    os.environ.update({k: v for k, v in env.items() if k.startswith("JIXIAO_")})
    sys.path.insert(0, str(ROOT))
    from worker.app import app

    missing = set(expected)
    while missing and time.monotonic() < deadline:
        dead = [n for n in known(run_dir) if not alive(read_pid(run_dir, n))]
        if dead:
            print(f"run-local: exited during start: {', '.join(dead)} (see their .log)", file=sys.stderr)
            return 1
        replies = app.control.ping(timeout=1.0) or []
        missing -= {name for reply in replies for name in reply}
    if missing:
        print(f"run-local: no answer from {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    if args.flower:
        url = f"http://127.0.0.1:{env.get('FLOWER_PORT', '5555')}/api/workers"
        auth = base64.b64encode(env["FLOWER_BASIC_AUTH"].split(",")[0].encode()).decode()
        if not answers(url, {"Authorization": f"Basic {auth}"}, deadline, "Flower"):
            return 1
    if args.api:
        url = f"http://127.0.0.1:{env.get('JIXIAO_API_PORT', '8000')}/openapi.json"
        if not answers(url, {}, deadline, "the API"):
            return 1
    print("ready")
    return 0


def answers(url: str, headers: dict[str, str], deadline: float, what: str) -> bool:
    """Whether `url` answers before `deadline` (says which service did not, when it does not)."""
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2):  # noqa: S310 — ours, local
                return True
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                print(f"run-local: {what} does not answer at {url}", file=sys.stderr)
                return False
            time.sleep(0.2)


def status(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    names = known(run_dir)
    if not names:
        print(f"nothing started from {run_dir}")
        return 1
    down = 0
    for name in names:
        pid = read_pid(run_dir, name)
        up = alive(pid)
        down += not up
        print(f"{name}: {'running' if up else 'not running'} (pid {pid})")
    return 1 if down else 0


def stop(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    running = {n: read_pid(run_dir, n) for n in known(run_dir)}
    running = {n: p for n, p in running.items() if alive(p)}
    for name, pid in running.items():
        assert pid is not None
        _signal_group(pid, signal.SIGTERM)
        print(f"{name}: SIGTERM sent (pid {pid})")
    deadline = time.monotonic() + args.timeout
    while running and time.monotonic() < deadline:
        running = {n: p for n, p in running.items() if alive(p)}
        if running:
            time.sleep(0.1)
    for name, pid in running.items():
        assert pid is not None
        _signal_group(pid, signal.SIGKILL)
        print(f"{name}: did not stop within {args.timeout:.0f} s, SIGKILL sent (pid {pid})")
    for name in known(run_dir):
        pid_file(run_dir, name).unlink(missing_ok=True)
    return 0


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """The service's whole process group (a worker and its pool), which `start` made its own session."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; # comments and blank lines ignored; surrounding quotes removed."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/run-local", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run-dir", default=os.environ.get("JIXIAO_RUN_DIR", "jixiao-run"))
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="start what is not running")
    p_start.add_argument("--workers", type=int, default=int(os.environ.get("JIXIAO_WORKERS", "2")))
    p_start.add_argument("--concurrency", type=int, default=int(os.environ.get("JIXIAO_CONCURRENCY", "1")))
    p_start.add_argument(
        "--queues",
        default=os.environ.get("JIXIAO_WORKER_QUEUES", QUEUES),
        help=f"queues the workers consume, comma-separated (default {QUEUES})",
    )
    p_start.add_argument("--prefix", default="w", help="worker names: PREFIX1@host, PREFIX2@host…")
    p_start.add_argument("--no-beat", dest="beat", action="store_false")
    p_start.add_argument("--no-flower", dest="flower", action="store_false")
    p_start.add_argument("--no-api", dest="api", action="store_false", help="no HTTP API (jixiao serve)")
    p_start.add_argument("--loglevel", default="INFO")
    p_start.add_argument("--env-file", default=None)
    p_start.add_argument("--cwd", default=None, help="working directory of the services")
    p_start.add_argument("--wait", action="store_true", help="return once workers and Flower answer")
    p_start.add_argument("--wait-timeout", type=float, default=60.0)
    p_status = sub.add_parser("status", help="what runs")
    p_stop = sub.add_parser("stop", help="stop everything started from this run dir")
    p_stop.add_argument("--timeout", type=float, default=30.0)
    for p in (p_start, p_status, p_stop):
        p.add_argument("--run-dir", default=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return {"start": start, "status": status, "stop": stop}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
