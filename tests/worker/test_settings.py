"""One settings object: each variable read by one rule, checked at start, flags winning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from worker.settings import DEFAULT_STORE, ConfigError, Settings


def test_a_fresh_environment_gives_the_embedded_defaults() -> None:
    s = Settings.from_env({})
    assert s.database_url == "sqlite:///jixiao.db"
    assert s.in_process and s.broker_url is None
    assert s.store == Path(DEFAULT_STORE).absolute()
    assert s.profile_name == "national" and s.profile().name == "national"
    assert s.soft_time_limit == 600 < s.hard_time_limit < s.visibility_timeout


def test_the_environment_then_the_flag_decide_the_database() -> None:
    env = {"JIXIAO_DATABASE_URL": "postgresql://u@h:5432/db", "JIXIAO_STORE": "/srv/store"}
    s = Settings.from_env(env)
    assert s.database_url == "postgresql+psycopg://u@h:5432/db"  # the driver we install
    assert s.store == Path("/srv/store")
    assert s.with_flags(database_url="sqlite:///flag.db").database_url == "sqlite:///flag.db"
    assert s.with_flags(database_url=None) is s


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"JIXIAO_SOFT_TIME_LIMIT": "ten"}, "JIXIAO_SOFT_TIME_LIMIT"),
        ({"JIXIAO_SOFT_TIME_LIMIT": "0"}, "JIXIAO_SOFT_TIME_LIMIT"),
        ({"JIXIAO_PROFILE": "nationl"}, "JIXIAO_PROFILE"),
        ({"JIXIAO_DATABASE_URL": "mysql://u@h/db"}, "JIXIAO_DATABASE_URL"),
        ({"JIXIAO_DATABASE_URL": "not a url"}, "JIXIAO_DATABASE_URL"),
        ({"JIXIAO_PROGRESS_EVERY": "-1"}, "JIXIAO_PROGRESS_EVERY"),
        ({"JIXIAO_MAX_PARSE_MB": "100"}, "JIXIAO_MAX_PARSE_MB"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_the_parse_memory_cap_is_a_share_of_the_memory_per_core_never_under_2048_mb() -> None:
    from worker.settings import default_parse_mb

    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    assert default_parse_mb() == max(2048, physical // (2 * len(os.sched_getaffinity(0))))
    assert Settings.from_env({}).max_parse_mb == default_parse_mb()
    assert Settings.from_env({"JIXIAO_MAX_PARSE_MB": "0"}).max_parse_mb == 0  # no cap
    assert Settings.from_env({"JIXIAO_MAX_PARSE_MB": "600"}).max_parse_mb == 600


def test_a_refused_url_does_not_show_its_password() -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"JIXIAO_DATABASE_URL": "mysql://jixiao:s3cret@h/db"})
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("verb", [["documents"], ["ingest", "."], ["export", "--format", "csv"]])
def test_any_command_stops_on_a_bad_value_with_one_line_and_exit_1(verb: list[str], tmp_path: Path) -> None:
    env = dict(os.environ, JIXIAO_SOFT_TIME_LIMIT="ten", JIXIAO_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    done = subprocess.run(
        [sys.executable, "-m", "jixiao", *verb], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: JIXIAO_SOFT_TIME_LIMIT='ten': expected a whole number"
    ]
    assert not (tmp_path / "x.db").exists()  # stopped before touching anything


def test_a_child_process_gets_the_settings_in_its_environment_not_its_command_line() -> None:
    s = Settings.from_env({"JIXIAO_DATABASE_URL": "postgresql://u:pw@h/db", "JIXIAO_SOFT_TIME_LIMIT": "30"})
    env = s.child_env({})
    assert Settings.from_env(env) == s


def test_a_celery_worker_stops_on_a_bad_value_with_the_same_line(tmp_path: Path) -> None:
    env = dict(os.environ, JIXIAO_MAX_ATTEMPTS="many")
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "worker.app", "worker"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["Error: JIXIAO_MAX_ATTEMPTS='many': expected a whole number"]


def test_a_celery_worker_that_cannot_reach_its_database_does_not_start(tmp_path: Path) -> None:
    env = dict(os.environ, JIXIAO_DATABASE_URL="postgresql://jixiao:s3cret@127.0.0.1:9/nowhere")
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--pool=solo", "--loglevel=WARNING"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "Error: database not reachable (postgresql+psycopg://jixiao:***@127.0.0.1:9/nowhere)"
    )
    assert "s3cret" not in done.stderr + done.stdout
