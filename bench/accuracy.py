"""Field accuracy of extract → normalize on a generated corpus, without a database.

    python bench/accuracy.py CORPUS_DIR [--out export.jsonl]

Writes the contract's export records straight from the pipeline and scores them with the
repository's copy of the acceptance measure (tests/scoring.py, what the acceptance scorer
counts): the quick loop while working on the extractor. The acceptance figure itself comes
from `jixiao ingest` + `jixiao export` (see README).
"""

# ruff: noqa: E402 — the imports follow the sys.path line below

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the repository's tests.scoring

import argparse
import hashlib
import json
import time

from pipeline.errors import PipelineError
from pipeline.extract import extract
from pipeline.normalize import normalize
from tests import scoring


def records(path: Path) -> list[dict[str, object]]:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    doc = normalize(extract(data))
    out = []
    for p in doc.projects:
        for ind in p.indicators:
            out.append(
                dict(
                    document_sha256=sha,
                    source_name=path.name,
                    unit_name=p.unit_name or doc.unit_name,
                    budget_year=doc.budget_year,
                    project_code=p.code,
                    project_name=p.name,
                    goal=p.goal,
                    level1=ind.level1,
                    level2=ind.level2,
                    level3=ind.level3,
                    core=ind.core,
                    operator=ind.operator,
                    target=ind.target,
                    target_this_year=ind.target_this_year,
                    measure_unit=ind.measure_unit,
                    weight=ind.weight,
                    weight_this_year=ind.weight_this_year,
                    page=ind.page,
                    table_kind=p.table_kind,
                    period=ind.period,
                    actual=ind.actual,
                    score=ind.score,
                    ocr_confidence=ind.ocr_confidence,
                )
            )
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--out", type=Path, default=Path("/tmp/jixiao-accuracy.jsonl"))
    ap.add_argument("--layouts", help="comma-separated families to read and score (default: all)")
    args = ap.parse_args()
    families = set(args.layouts.split(",")) if args.layouts else None
    t = time.perf_counter()
    n = 0
    seen: set[str] = set()
    with args.out.open("w", encoding="utf-8") as f:
        for pdf in sorted(args.corpus.rglob("*.pdf")):
            if families and pdf.parent.name not in families:
                continue
            sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
            if sha in seen:
                continue
            seen.add(sha)
            try:
                rows = records(pdf)
            except PipelineError as exc:
                print(f"{pdf.name}: {exc}", file=sys.stderr)
                continue
            n += 1
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{n} documents in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    layouts = ["--layouts", args.layouts] if args.layouts else []
    return scoring.main([str(args.out), "--root", str(args.corpus), *layouts])


if __name__ == "__main__":
    sys.exit(main())
