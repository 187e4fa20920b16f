"""The Redis result backend, minus one thing: publishing does not subscribe to the result.

Celery's Redis backend subscribes the publishing process to every task's result channel as the
task is sent, in case the caller waits for it. Our publishers (`jixiao ingest`, reconcile,
beat) follow documents in the database instead: ten thousand subscriptions would cost a
round trip each and pin a pub/sub connection. `AsyncResult.get()` still works — it subscribes
when called and then reads the stored state, so a result that came first is not missed.
"""

from __future__ import annotations

from typing import Any

from celery.backends.redis import RedisBackend


class RedisResults(RedisBackend):
    def on_task_call(self, producer: Any, task_id: str) -> None:
        return None
