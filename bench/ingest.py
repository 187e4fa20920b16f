"""Benchmark: in-process `jixiao ingest` against plain pdfplumber on the same archive.

    python bench/ingest.py [--docs 200] [--min-pages 2000] [--corpus DIR] [--plumber-pages N]

Generates (or reuses) an archive of fixture PDFs, runs `jixiao ingest` on it in a fresh
SQLite database with no broker (every core), then times pdfplumber's `page.extract_tables()`
on the same files in this process. Prints documents/s, pages/s, CPU ms per page, peak memory
and the ratio. `--plumber-pages` caps the pages pdfplumber is timed on (0 = all of them).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber

ROOT = Path(__file__).resolve().parents[1]


def ensure_corpus(path: Path, docs: int, min_pages: int) -> list[Path]:
    if not any(path.rglob("*.pdf")):
        subprocess.run(
            [sys.executable, "-m", "tests.fixtures.corpus", str(path), "--docs", str(docs), "--seed", "7",
             "--min-pages", str(min_pages), "--families", "landscape,portrait,rotated,variants,long,seed"],
            cwd=ROOT, check=True,
        )  # fmt: skip
    return sorted(p for p in path.rglob("*.pdf") if "/truth/" not in str(p))


def time_ingest(corpus: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "JIXIAO_BROKER_URL"}
        env.update(JIXIAO_DATABASE_URL=f"sqlite:///{tmp}/bench.db", JIXIAO_STORE=f"{tmp}/store")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(["jixiao", "ingest", str(corpus)], env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            ["jixiao", "documents", "--format", "jsonl"], env=env, check=True, capture_output=True, text=True
        ).stdout
    docs = [json.loads(line) for line in out.splitlines() if line.strip()]
    stored = [d for d in docs if d["status"] == "stored"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "documents": len(stored),
        "pages": sum(d["pages"] or 0 for d in stored),
        "rows": sum(d["indicators"] or 0 for d in stored),
        "wall": wall,
        "cpu": cpu,
        "peak_mib": after.ru_maxrss / 1024,  # the largest single process (parent or a worker)
    }


def time_plumber(files: list[Path], max_pages: int) -> dict[str, float]:
    pages = 0
    t_cpu, t = time.process_time(), time.perf_counter()
    for f in files:
        with pdfplumber.open(io.BytesIO(f.read_bytes())) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()
                pages += 1
                if max_pages and pages >= max_pages:
                    break
        if max_pages and pages >= max_pages:
            break
    return {"pages": pages, "wall": time.perf_counter() - t, "cpu": time.process_time() - t_cpu,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--min-pages", type=int, default=2000)
    ap.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus")
    ap.add_argument("--plumber-pages", type=int, default=0)
    args = ap.parse_args()
    files = ensure_corpus(args.corpus, args.docs, args.min_pages)
    ours = time_ingest(args.corpus)
    plumber = time_plumber(files, args.plumber_pages)
    ours_ms = 1000 * ours["cpu"] / max(1, ours["pages"])
    plumber_ms = 1000 * plumber["cpu"] / max(1, plumber["pages"])
    print(
        f"archive: {len(files)} files, {ours['documents']} stored documents, {ours['pages']} pages, {ours['rows']} rows"
    )
    print(f"jixiao ingest (in-process, {os.cpu_count()} cores): wall {ours['wall']:.1f} s, "
          f"{ours['documents'] / ours['wall']:.1f} documents/s, {ours['pages'] / ours['wall']:.1f} pages/s, "
          f"CPU {ours_ms:.1f} ms/page (all processes), peak RSS {ours['peak_mib']:.0f} MiB (largest process)")  # fmt: skip
    print(f"pdfplumber extract_tables (1 process, {plumber['pages']} pages): wall {plumber['wall']:.1f} s, "
          f"{plumber['pages'] / plumber['wall']:.1f} pages/s, CPU {plumber_ms:.1f} ms/page, "
          f"peak RSS {plumber['peak_mib']:.0f} MiB")  # fmt: skip
    print(
        f"ratio: pdfplumber CPU per page / jixiao CPU per page (whole pipeline incl. storage) = {plumber_ms / ours_ms:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
