"""The distributed mode's parts, without a broker: settings, error sorting, one document's run,
following a batch. The database is real (SQLite and PostgreSQL); the parser is the real one
except where a test needs a parser that does something the real one must not."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import kombu
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, select

from db import intake, queries, transitions
from db.engine import make_engine
from db.models import Document as DocumentRow
from db.models import Indicator
from jixiao.inputs import InputFile
from pipeline import PIPELINE_VERSION
from pipeline.errors import DamagedPdfError, TransientError
from pipeline.progress import Progress, no_progress
from pipeline.run import Outcome, process
from pipeline.settings import PipelineSettings
from worker.celeryconfig import beat_schedule, celery_config, nightly_utc
from worker.document import SKIPPED, Result, run_document
from worker.follow import NoWorkerError, follow
from worker.inprocess import Tick
from worker.receive import receive
from worker.settings import REDIS_RESULTS, ConfigError, Settings, backend_redis_url
from worker.tasks import backoff, kwargs_repr, progress_text
from worker.transient import is_transient

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "portrait" / "portrait-0001.pdf"
TRUNCATED = REPO / "samples" / "bad" / "truncated.pdf"


# --------------------------------------------------------------------------- settings


def test_defaults_keep_the_visibility_timeout_above_the_hard_limit_and_deliver_at_least_once() -> None:
    s = Settings.from_env({})
    assert s.soft_time_limit < s.hard_time_limit < s.visibility_timeout
    conf = celery_config(s)
    assert conf["task_acks_late"] and conf["task_reject_on_worker_lost"]
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["broker_transport_options"]["visibility_timeout"] == s.visibility_timeout
    assert conf["worker_send_task_events"] and conf["task_send_sent_event"]
    assert conf["worker_max_memory_per_child"] == 1024 * 1024  # KiB
    assert conf["timezone"] == "UTC"


def test_the_nightly_run_is_set_in_shanghai_time_and_scheduled_in_utc() -> None:
    s = Settings.from_env({"JIXIAO_NIGHTLY_AT": "02:30", "JIXIAO_TIMEZONE": "Asia/Shanghai"})
    assert nightly_utc(s, datetime(2025, 6, 1, tzinfo=UTC)) == time(18, 30)
    nightly = beat_schedule(s)["reprocess-outdated-nightly"]
    assert nightly["task"] == "jixiao.reprocess_outdated"
    assert nightly["schedule"].hour == {18} and nightly["schedule"].minute == {30}
    assert beat_schedule(s)["reconcile"]["task"] == "jixiao.reconcile"
    assert beat_schedule(s)["refresh-outliers"]["task"] == "jixiao.refresh_outliers"

    off = Settings.from_env(
        {"JIXIAO_NIGHTLY_AT": "off", "JIXIAO_RECONCILE_EVERY": "0", "JIXIAO_OUTLIERS_EVERY": "0"}
    )
    assert beat_schedule(off) == {}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"JIXIAO_NIGHTLY_AT": "25:00"}, "JIXIAO_NIGHTLY_AT"),
        ({"JIXIAO_TIMEZONE": "Mars/Olympus"}, "JIXIAO_TIMEZONE"),
        ({"JIXIAO_SOFT_TIME_LIMIT": "60", "JIXIAO_HARD_TIME_LIMIT": "30"}, "JIXIAO_HARD_TIME_LIMIT"),
        ({"JIXIAO_HARD_TIME_LIMIT": "700", "JIXIAO_VISIBILITY_TIMEOUT": "600"}, "JIXIAO_VISIBILITY_TIMEOUT"),
        ({"JIXIAO_MAX_TASKS_PER_CHILD": "many"}, "JIXIAO_MAX_TASKS_PER_CHILD"),
    ],
)
def test_a_bad_setting_is_refused_naming_its_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_results_go_to_the_brokers_redis_through_the_quiet_backend() -> None:
    s = Settings.from_env({"JIXIAO_BROKER_URL": "redis://broker:6379/3"})
    assert s.result_backend == f"{REDIS_RESULTS}+redis://broker:6379/3"
    assert backend_redis_url(s.result_backend) == "redis://broker:6379/3"
    other = Settings.from_env({"JIXIAO_BROKER_URL": "redis://b/0", "JIXIAO_RESULT_BACKEND": "redis://r/1"})
    assert backend_redis_url(other.result_backend) == "redis://r/1"
    assert backend_redis_url(Settings.from_env({"JIXIAO_BROKER_URL": "amqp://x//"}).result_backend) is None


def test_the_env_example_is_a_valid_configuration() -> None:
    spec = importlib.util.spec_from_file_location("run_local", REPO / "deploy" / "run_local.py")
    assert spec and spec.loader
    run_local = importlib.util.module_from_spec(spec)
    sys.modules["run_local"] = run_local  # dataclasses look their module up there
    try:
        spec.loader.exec_module(run_local)
    finally:
        del sys.modules["run_local"]
    env = run_local.read_env_file(REPO / "deploy" / ".env.example")
    s = Settings.from_env(env)
    assert nightly_utc(s, datetime(2025, 1, 1, tzinfo=UTC)) == time(18, 30)
    assert s.hard_time_limit < s.visibility_timeout
    assert env["FLOWER_BASIC_AUTH"].count(":") == 1


# --------------------------------------------------------------------------- what is worth retrying


def _raised(fn: object) -> BaseException:
    try:
        fn()  # type: ignore[operator]
    except BaseException as exc:  # noqa: BLE001 — the exception is the result
        return exc
    raise AssertionError("nothing raised")


def test_lost_connections_are_transient_and_bad_files_are_not(tmp_path: Path) -> None:
    nobody = "127.0.0.1:9"  # the discard port: nothing listens
    database_down = _raised(lambda: make_engine(f"postgresql://postgres@{nobody}/x").connect())
    redis_down = _raised(
        lambda: redis.Redis(port=9, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)).ping()
    )
    broker_down = _raised(
        lambda: kombu.Connection(f"redis://{nobody}/0").ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=1
        )
    )
    assert is_transient(database_down), repr(database_down)
    assert is_transient(redis_down), repr(redis_down)
    assert is_transient(broker_down), repr(broker_down)
    assert is_transient(TransientError("lock held"))

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    duplicate_key = _raised(lambda: _insert_again(engine))
    assert not is_transient(duplicate_key)
    assert not is_transient(DamagedPdfError("truncated PDF"))
    assert not is_transient(ValueError("a parser bug"))


def _insert_again(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")


def test_backoff_doubles_with_jitter_and_stays_under_the_visibility_timeout() -> None:
    for n in range(10):
        delay = backoff(n)
        nominal = min(300.0, 2.0 * 2**n)
        assert 0.75 * nominal - 0.01 <= delay <= 1.25 * nominal + 0.01
    assert max(backoff(20) for _ in range(50)) < Settings.from_env({}).visibility_timeout


def test_what_flower_shows_reads_as_a_sentence() -> None:
    assert progress_text("extract", 3, 13) == "extract page 3/13"
    assert progress_text("validate", 1, 1) == "validate 1/1"
    shown = kwargs_repr(
        {"sha256": "ab" * 32, "source_name": "x" * 500, "unit_name": None, "budget_year": None}
    )
    assert "ab" * 32 in shown and len(shown) < 400 and "…" in shown


# --------------------------------------------------------------------------- one document


def execute(engine: Engine, sha256: str, store_dir: Path | None = None, **options: Any) -> Result:
    """`run_document` as the Celery task calls it, with this test's defaults."""
    return run_document(
        engine,
        sha256,
        store_dir=store_dir or Path("no-store-here"),
        settings=options.pop("settings", PipelineSettings()),
        time_limit=600,
        **options,
    )


def received(engine: Engine, tmp_path: Path, *paths: Path) -> list[str]:
    """SHA-256 of each file, recorded as queued in a new batch (the last batch made)."""
    batch = intake.create_batch(engine, ["test"])
    files = [InputFile(p.name, read=p.read_bytes) for p in paths]
    return [job.sha256 for job in receive(engine, tmp_path / "store", batch, files).jobs]


def last_batch(engine: Engine) -> int:
    from db.models import Batch

    with engine.connect() as conn:
        return int(conn.execute(select(Batch.id).order_by(Batch.id.desc()).limit(1)).scalar_one())


def indicator_ids(engine: Engine, sha256: str) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(Indicator.id)
                .join(DocumentRow, DocumentRow.id == Indicator.document_id)
                .where(DocumentRow.sha256 == sha256)
                .order_by(Indicator.id)
            ).scalars()
        )


def stage_of(engine: Engine, sha256: str) -> tuple[str, str | None]:
    with engine.connect() as conn:
        status, stage = conn.execute(
            select(DocumentRow.status, DocumentRow.stage).where(DocumentRow.sha256 == sha256)
        ).one()
    return status, stage


def test_a_document_runs_once_and_a_second_delivery_does_nothing(engine: Engine, tmp_path: Path) -> None:
    [sha] = received(engine, tmp_path, SAMPLE)
    seen: list[tuple[str, str, str | None]] = []

    def listen(stage: str, done: int, total: int) -> None:
        seen.append((stage, *stage_of(engine, sha)))

    first = execute(engine, sha, progress=listen)
    assert first.status == "stored" and first.projects > 0 and first.indicators > 0
    rows = indicator_ids(engine, sha)
    assert len(rows) == first.indicators

    # the database's stage follows the pipeline: extract while pages are read, then the rest
    assert seen[0] == ("extract", "running", "extract")
    assert [s for s, _, _ in seen][-3:] == ["normalize", "validate", "store"]
    assert seen[-1][2] == "store"
    assert stage_of(engine, sha) == ("stored", None)

    again = execute(engine, sha)
    assert again.status == SKIPPED
    assert indicator_ids(engine, sha) == rows  # not even replaced


def test_a_bad_pdf_fails_at_once_with_its_reason(engine: Engine, tmp_path: Path) -> None:
    [sha] = received(engine, tmp_path, TRUNCATED)
    result = execute(engine, sha)
    assert result.status == "failed" and result.stage == "extract"
    assert result.error and result.error.startswith("truncated PDF")
    assert queries.find_document(engine, sha).status == "failed"  # type: ignore[union-attr]


def test_a_stored_copy_missing_on_this_worker_says_how_to_fix_it(engine: Engine, tmp_path: Path) -> None:
    [sha] = received(engine, tmp_path, SAMPLE)
    Path(queries.find_document(engine, sha).store_path).unlink()  # type: ignore[union-attr]
    result = execute(engine, sha, store_dir=tmp_path / "elsewhere")
    assert result.status == "failed"
    assert "stored copy not found on this worker" in (result.error or "")
    assert "JIXIAO_STORE" in (result.error or "")


def test_the_workers_own_store_folder_is_used_when_it_has_the_file(engine: Engine, tmp_path: Path) -> None:
    [sha] = received(engine, tmp_path, SAMPLE)
    mounted = tmp_path / "mounted-elsewhere"
    target = mounted / sha[:2] / f"{sha}.pdf"
    target.parent.mkdir(parents=True)
    Path(queries.find_document(engine, sha).store_path).rename(target)  # type: ignore[union-attr]
    assert execute(engine, sha, store_dir=mounted).status == "stored"


def test_a_delivery_overtaken_by_another_stops_without_touching_its_result(
    engine: Engine, tmp_path: Path
) -> None:
    [sha] = received(engine, tmp_path, SAMPLE)

    def other_delivery_finishes_first(stage: str, done: int, total: int) -> None:
        if stage == "normalize":  # while this one runs, another one ends the document
            transitions.mark_failed(engine, sha, "decided elsewhere", stage="extract")

    result = execute(engine, sha, progress=other_delivery_finishes_first)
    assert result.status == SKIPPED
    assert stage_of(engine, sha) == ("failed", "extract")
    assert indicator_ids(engine, sha) == []


def test_a_refused_admission_fails_the_document_with_that_reason(engine: Engine, tmp_path: Path) -> None:
    [sha] = received(engine, tmp_path, SAMPLE)
    result = execute(engine, sha, admit=lambda: "died three times")
    assert (result.status, result.error) == ("failed", "died three times")


def flaky_database(
    data: bytes, settings: PipelineSettings | None = None, progress: Progress = no_progress
) -> Outcome:
    raise TransientError("database connection lost")


def test_a_transient_error_is_raised_for_a_retry_and_leaves_the_document_running(
    engine: Engine, tmp_path: Path
) -> None:
    [sha] = received(engine, tmp_path, SAMPLE)
    with pytest.raises(TransientError):
        execute(engine, sha, processor=flaky_database)
    assert queries.find_document(engine, sha).status == "running"  # type: ignore[union-attr]
    assert execute(engine, sha, processor=process).status == "stored"  # the retry


def test_a_sweep_can_leave_documents_changed_a_moment_ago_alone(engine: Engine, tmp_path: Path) -> None:
    [sha] = received(engine, tmp_path, SAMPLE)
    now = datetime.now(UTC)
    assert [
        d.sha256
        for d in queries.documents_in_state(engine, ["queued"], updated_before=now + timedelta(seconds=5))
    ] == [sha]
    assert queries.documents_in_state(engine, ["queued"], updated_before=now - timedelta(seconds=60)) == []


# --------------------------------------------------------------------------- following a batch


def test_following_a_finished_batch_returns_its_summary(engine: Engine, tmp_path: Path) -> None:
    [sha] = received(engine, tmp_path, SAMPLE)
    execute(engine, sha)
    ticks: list[Tick] = []
    summary = follow(engine, last_batch(engine), ticks.append, workers_alive=lambda: True, poll=0.01)
    assert summary.finished and summary.stored == 1
    assert [(t.done, t.total) for t in ticks] == [(1, 1)]


def test_following_stops_with_a_reason_when_nothing_moves_and_no_worker_answers(
    engine: Engine, tmp_path: Path
) -> None:
    received(engine, tmp_path, SAMPLE)
    asked: list[bool] = []

    def nobody() -> bool:
        asked.append(True)
        return False

    with pytest.raises(NoWorkerError, match="1 document"):
        follow(engine, last_batch(engine), lambda tick: None, workers_alive=nobody, poll=0.01, stall=0)
    assert asked == [True]


def test_the_compose_file_keeps_queued_tasks_and_guards_flower() -> None:
    import yaml

    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    redis_cmd = services["redis"]["command"]
    assert redis_cmd[redis_cmd.index("--appendonly") + 1] == "yes"
    assert redis_cmd[redis_cmd.index("--maxmemory-policy") + 1] == "noeviction"
    assert "FLOWER_BASIC_AUTH" in services["flower"]["environment"]
    assert any(a.startswith("--max_tasks=") for a in services["flower"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "worker.app", "worker"]
    assert "replicas" in services["worker"]["deploy"]
    assert services["beat"]["command"][3] == "beat" and "deploy" not in services["beat"]  # one beat
    assert {"postgres", "redis", "worker", "beat", "flower", "api"} <= set(services)
    assert services["api"]["command"][:2] == ["jixiao", "serve"]  # beside the workers, tokens required
    assert "JIXIAO_API_TOKENS" in services["api"]["environment"]


def test_retry_and_reprocess_without_a_broker_rerun_in_this_process(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from sqlalchemy import update

    from jixiao.cli import main

    url = f"sqlite:///{tmp_path / 'j.db'}"
    env = {"JIXIAO_DATABASE_URL": url, "JIXIAO_STORE": str(tmp_path / "store"), "JIXIAO_BROKER_URL": ""}
    runner = CliRunner()

    def jixiao(*args: str) -> Any:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    jixiao("ingest", "--workers", "1", str(SAMPLE), str(TRUNCATED))
    engine = make_engine(url)
    before = {d.sha256: d.status for d in queries.documents_in_state(engine, ["stored", "failed"])}
    assert sorted(before.values()) == ["failed", "stored"]
    [stored_sha] = [sha for sha, status in before.items() if status == "stored"]
    rows = indicator_ids(engine, stored_sha)

    assert "1 failed document(s) to re-run" in jixiao("retry", "--failed").stderr
    assert "0 outdated document(s) to re-run" in jixiao("reprocess").stderr
    assert indicator_ids(engine, stored_sha) == rows

    with engine.begin() as conn:
        conn.execute(update(DocumentRow).values(pipeline_version="0"))
    assert "1 outdated document(s) to re-run" in jixiao("reprocess", "--outdated").stderr
    assert len(indicator_ids(engine, stored_sha)) == len(rows)
    with engine.connect() as conn:  # run again: SQLite reuses the ids, the version tells
        versions = set(conn.execute(select(DocumentRow.pipeline_version)).scalars())
    assert versions == {PIPELINE_VERSION, "0"}  # the stored one redone; the failed one keeps no version
    assert {d.sha256: d.status for d in queries.documents_in_state(engine, ["stored", "failed"])} == before
    assert "2 finished document(s) to re-run" in jixiao("reprocess", "--all").stderr


def test_a_unit_year_is_refreshed_at_most_once_per_delay_however_many_documents_arrive(
    engine: Engine, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-document refreshes re-read the whole unit-year: the workers send one delayed refresh
    per (unit, year) instead, and documents arriving meanwhile send none."""
    from worker import runtime, tasks

    [sha] = received(engine, tmp_path, SAMPLE)
    assert execute(engine, sha).status == "stored"
    client = redis.Redis.from_url(redis_url)
    client.delete(*client.keys("jixiao:refresh:*") or ["none"])
    monkeypatch.setattr(runtime, "engine", lambda: engine)
    monkeypatch.setattr(
        tasks, "settings", replace(tasks.settings, result_backend=f"{REDIS_RESULTS}+{redis_url}")
    )
    monkeypatch.setattr(runtime, "_resources", runtime._Resources(pid=os.getpid()))  # a client on that Redis
    sent: list[dict[str, Any]] = []

    first = tasks.schedule_refresh(sha, send=lambda **kw: sent.append(kw))
    again = tasks.schedule_refresh(sha, send=lambda **kw: sent.append(kw))  # the next document of that pair

    assert first and len(sent) == 1 and sent[0]["countdown"] == tasks.REFRESH_DELAY
    assert again == []  # within the delay: nothing more is sent
    assert {tuple(p) for p in sent[0]["kwargs"]["pairs"]} == set(first)
    assert queries.across_due(engine) == [sha]  # its batch is not done yet
    tasks.refresh_units(**sent[0]["kwargs"])  # what the delayed task does
    assert queries.across_due(engine) == []
