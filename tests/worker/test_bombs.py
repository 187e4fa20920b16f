"""PDF bombs in the in-process runner: each ends as its document's `failed` reason, the rest of
the batch is stored (issue 8). The parser is the real one; the limits are small on purpose.

- memory: a page of nested form XObjects (2**20 × a 100-segment path) and a FlateDecode
  content stream inflating to 1 GB, under JIXIAO_MAX_PARSE_MB=600: pdfium aborts its process
  when the kernel refuses an allocation, the runner re-runs the document alone, it dies the
  same way, and the document fails naming the cap and its variable.
- time: nested forms of 2**17 glyphs keep pdfium's text page busy for half a minute in C code
  the alarm cannot interrupt (the page itself loads in under a second, before the alarm is
  due); the runner kills the process at the hard limit.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine

from db import intake
from jixiao.inputs import InputFile
from pipeline.progress import Progress, no_progress
from pipeline.run import Outcome
from pipeline.settings import PipelineSettings
from tests.fixtures.bombs import TEXT_LEAF, flate_bomb, form_bomb
from tests.worker.conftest import make_corpus
from tests.worker.test_inprocess import fake_process, receive_texts, statuses
from worker.inprocess import death_reason
from worker.inprocess import run as run_pool
from worker.receive import Job, receive
from worker.settings import Settings

CAP_MB = 600


def bomb_batch(engine: Engine, tmp_path: Path, bombs: dict[str, bytes]) -> tuple[int, list[Job], list[str]]:
    """Two good documents (real fixture PDFs) and the bombs, received as one batch."""
    corpus = make_corpus(tmp_path / "good", 2, 3, ("portrait",))
    good = sorted(corpus.rglob("*.pdf"))
    files = [InputFile(p.name, read=p.read_bytes) for p in good]
    files += [InputFile(name, read=lambda data=data: data) for name, data in bombs.items()]
    batch = intake.create_batch(engine, ["test"])
    return batch, receive(engine, tmp_path / "store", batch, files).jobs, [p.name for p in good]


def settings_for(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"JIXIAO_STORE": str(tmp_path / "store"), **env})


def test_memory_bombs_fail_naming_the_cap_and_the_batch_is_stored(engine: Engine, tmp_path: Path) -> None:
    bombs = {"forms.pdf": form_bomb(20), "inflates.pdf": flate_bomb(1024)}
    batch, jobs, good = bomb_batch(engine, tmp_path, bombs)
    settings = settings_for(tmp_path, JIXIAO_MAX_PARSE_MB=str(CAP_MB), JIXIAO_SOFT_TIME_LIMIT="60")

    started = time.monotonic()
    stats = run_pool(engine, jobs, settings, workers=2)
    elapsed = time.monotonic() - started

    got = statuses(engine, batch)
    for name in good:
        assert got[name][0] == "stored", (name, got[name])
    for name in bombs:
        status, error = got[name]
        assert status == "failed", name
        assert error is not None and error.startswith(f"needed more than {CAP_MB} MB while parsing"), error
        assert "JIXIAO_MAX_PARSE_MB" in error
    assert (stats.done, stats.failed) == (4, 2)
    assert elapsed < 45  # uncapped, the forms alone take 20 GB and minutes


def test_a_parser_stuck_in_pdfium_is_killed_at_the_time_limit_and_the_batch_is_stored(
    engine: Engine, tmp_path: Path
) -> None:
    batch, jobs, good = bomb_batch(engine, tmp_path, {"glyphs.pdf": form_bomb(17, TEXT_LEAF)})
    settings = settings_for(tmp_path, JIXIAO_SOFT_TIME_LIMIT="4", JIXIAO_HARD_TIME_LIMIT="6")

    started = time.monotonic()
    run_pool(engine, jobs, settings, workers=2)
    elapsed = time.monotonic() - started

    got = statuses(engine, batch)
    assert {name: got[name][0] for name in good} == dict.fromkeys(good, "stored")
    status, error = got["glyphs.pdf"]
    assert status == "failed"
    assert error is not None and error.startswith(
        "parsing took longer than the time limit per document (6 s)"
    )
    assert "JIXIAO_SOFT_TIME_LIMIT" in error
    assert elapsed < 25  # the alarm alone would wait for pdfium


def greedy_process(
    data: bytes, settings: PipelineSettings | None = None, progress: Progress = no_progress
) -> Outcome:
    """A parser that asks Python for more than the cap when the file says GREEDY."""
    if data.startswith(b"GREEDY"):
        hoard = bytearray(4 * CAP_MB * 1024 * 1024)
        raise AssertionError(f"allocated {len(hoard)} bytes past the cap")
    return fake_process(data, settings, progress)


def test_a_memory_error_in_python_names_the_cap_and_the_process_goes_on(
    engine: Engine, tmp_path: Path
) -> None:
    batch, jobs = receive_texts(
        engine, tmp_path, {"greedy.pdf": "GREEDY", "good.pdf": "good", "next.pdf": "ok"}
    )
    settings = settings_for(tmp_path, JIXIAO_MAX_PARSE_MB=str(CAP_MB))

    run_pool(engine, jobs, settings, workers=1, processor=greedy_process)

    got = statuses(engine, batch)
    assert got["greedy.pdf"][0] == "failed"
    assert (got["greedy.pdf"][1] or "").startswith(f"needed more than {CAP_MB} MB while parsing")
    assert got["good.pdf"] == got["next.pdf"] == ("stored", None)  # one pool process, which went on


def test_why_a_pool_process_died_is_said() -> None:
    assert death_reason(-6, CAP_MB).startswith(f"needed more than {CAP_MB} MB while parsing")
    assert "(signal SIGABRT" in death_reason(-6, 0)
    assert "(signal SIGSEGV" in death_reason(-11, CAP_MB)
    assert "(exit code 3" in death_reason(3, CAP_MB)
