"""Flower does not start open to the network without credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from worker.flower import refusal

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "env", "refused"),
    [
        (["celery", "-A", "worker.app", "flower"], {}, True),
        (["celery", "-A", "worker.app", "flower", "--address=0.0.0.0"], {}, True),
        (["celery", "-A", "worker.app", "flower", "--address", "10.1.2.3"], {}, True),
        (["celery", "-A", "worker.app", "flower"], {"FLOWER_ADDRESS": "192.168.0.9"}, True),
        (["celery", "-A", "worker.app", "flower", "--address=127.0.0.1"], {}, False),
        (["celery", "-A", "worker.app", "flower", "--address", "::1"], {}, False),
        (["celery", "-A", "worker.app", "flower"], {"FLOWER_ADDRESS": "localhost"}, False),
        (["celery", "-A", "worker.app", "flower"], {"FLOWER_BASIC_AUTH": "ops:pw"}, False),
        (["celery", "-A", "worker.app", "flower", "--basic-auth=ops:pw"], {}, False),
    ],
)
def test_flower_is_refused_only_when_open_beyond_loopback_without_credentials(
    argv: list[str], env: dict[str, str], refused: bool
) -> None:
    assert (refusal(argv, env) is not None) == refused


def test_celery_flower_without_credentials_stops_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWER_")}
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "worker.app", "flower", "--port=1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [refusal(["x", "flower"], {})]
