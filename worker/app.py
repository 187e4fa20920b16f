"""`worker.app:app` — the Celery application of the distributed mode.

    celery -A worker.app worker            # parse documents (JIXIAO_BROKER_URL, JIXIAO_DATABASE_URL)
    celery -A worker.app beat              # reconcile sweeps and the nightly reprocessing
    celery -A worker.app flower            # what is happening, in a browser

Importing this module needs no server: it only reads the settings (`worker.settings`).
"""

from __future__ import annotations

import os
import sys

from celery import Celery

from worker.celeryconfig import celery_config
from worker.flower import is_flower, refusal
from worker.settings import ConfigError, Settings

try:
    settings = Settings.from_env()
except ConfigError as exc:  # `celery -A worker.app …` stops with the one line, as the CLI does
    raise SystemExit(f"Error: {exc}") from None

if is_flower(sys.argv) and (why := refusal(sys.argv, os.environ)) is not None:
    raise SystemExit(why)

app = Celery("jixiao", include=["worker.tasks"])
app.conf.update(celery_config(settings))
