"""Per-process resources of a queue worker: the database engine and the attempt counter.

Created on first use and re-created in a forked child (a pool process must not share its
parent's sockets), so a worker process that is recycled after N documents starts clean.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import redis
from sqlalchemy import Engine

from db.engine import make_engine

log = logging.getLogger(__name__)

ATTEMPTS_TTL = 2 * 86_400  # seconds a delivery count is remembered


@dataclass
class _Resources:
    pid: int
    engine: Engine | None = None
    engine_url: str | None = None
    redis_client: redis.Redis | None = None


_resources = _Resources(pid=os.getpid())


def _mine() -> _Resources:
    global _resources
    if _resources.pid != os.getpid():  # forked: drop the parent's handles without closing them
        if _resources.engine is not None:
            _resources.engine.dispose(close=False)
        _resources = _Resources(pid=os.getpid())
    return _resources


def engine() -> Engine:
    """This process's engine on the settings' database (a Celery worker's)."""
    from worker.app import settings

    return engine_for(settings.database_url)


def engine_for(url: str) -> Engine:
    """This process's engine on `url`, made once per process (a pool process of the in-process
    runner keeps one for all the documents it parses)."""
    res = _mine()
    if res.engine is None or res.engine_url != url:
        if res.engine is not None:
            res.engine.dispose()
        res.engine, res.engine_url = make_engine(url), url
    return res.engine


class Attempts:
    """How many times a document was handed to a worker without being finished.

    A PDF that kills its worker process (a crash in the parser, memory, the hard time limit) is
    redelivered by the broker; without a count it would kill workers forever. The count lives in
    Redis (the result backend), not in the database: losing it only restarts the count.
    """

    def __init__(self, client: redis.Redis | None, ttl: int = ATTEMPTS_TTL) -> None:
        self.client = client
        self.ttl = ttl

    @staticmethod
    def key(sha256: str) -> str:
        return f"jixiao:attempts:{sha256}"

    def begin(self, sha256: str) -> int:
        """Count one more delivery; 0 when there is nowhere to count."""
        if self.client is None:
            return 0
        pipe = self.client.pipeline()
        pipe.incr(self.key(sha256))
        pipe.expire(self.key(sha256), self.ttl)
        return int(pipe.execute()[0])

    def undo(self, sha256: str) -> None:
        """A retry after a transient error is not a failed attempt."""
        if self.client is not None:
            self.client.decr(self.key(sha256))

    def forget(self, sha256: str) -> None:
        if self.client is not None:
            self.client.delete(self.key(sha256), self.death_key(sha256))

    @staticmethod
    def death_key(sha256: str) -> str:
        return f"jixiao:died:{sha256}"

    def note_death(self, sha256: str, how: str) -> None:
        """How the last process holding the document died ("SIGABRT"), for the final reason."""
        if self.client is not None:
            self.client.set(self.death_key(sha256), how, ex=self.ttl)

    def last_death(self, sha256: str) -> str | None:
        if self.client is None:
            return None
        how = self.client.get(self.death_key(sha256))
        return how.decode() if isinstance(how, bytes) else how


# --------------------------------------------------------------------------- the memory cap


def cap_memory(limit_mb: int) -> None:
    """Hold this process to `limit_mb` MB of address space (RLIMIT_AS; 0: no cap), for good.

    Only a process that parses calls this: a Celery pool process (`worker_process_init`) or a
    process of the in-process runner's pool, never the process that hands out the work. pdfium
    cannot be stopped from Python, so the kernel refuses the allocation past the cap: a Python
    allocation raises MemoryError (the document fails with `worker.document.memory_reason`),
    one in pdfium aborts the process (SIGABRT), and whoever watches it says why.
    """
    if limit_mb <= 0:
        return
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = limit_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def attempts(result_backend: str) -> Attempts:
    """The counter on the result backend's Redis; a no-op counter when the backend is not Redis."""
    from worker.settings import backend_redis_url

    res = _mine()
    url = backend_redis_url(result_backend)
    if res.redis_client is None and url is not None:
        res.redis_client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
    return Attempts(res.redis_client)
