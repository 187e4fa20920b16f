"""extract + normalize against generated PDFs with known truth, field by field.

The corpus covers every family of the generator (landscape, portrait, /Rotate 90, column
variants and synonyms, a 100+ page document, the seed transcription) in all three page-break
continuation styles; each PDF must come back exactly: no row invented, none dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.extract import extract
from pipeline.normalize import normalize
from tests import scoring
from tests.fixtures.corpus import write_corpus

FIELDS = ("level1", "level2", "level3", "core", "operator", "target", "target_this_year",
          "unit", "weight", "weight_this_year")  # fmt: skip


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, docs=16, seed=11, long_pages=101,
                 families=("landscape", "portrait", "rotated", "variants", "long", "seed"))  # fmt: skip
    return out


def canon(value: Any) -> Any:
    """The comparison score.py makes: as printed (full-width punctuation is not ASCII), no
    whitespace, a Kangxi radical read as its ideograph, numbers as numbers."""
    if isinstance(value, bool):
        return value
    text = scoring.printed(value)
    number = scoring.number(text)
    return text if number is None else number


def truths(corpus: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((corpus / "truth").glob("*/*.json"))]


def test_corpus_has_every_family(corpus: Path) -> None:
    families = {t["layout"] for t in truths(corpus)}
    assert {"landscape", "portrait", "rotated", "variants", "long", "seed"} <= families


def test_every_document_comes_back_exactly(corpus: Path) -> None:
    mismatches: list[str] = []
    for truth in truths(corpus):
        doc = normalize(extract((corpus / truth["file"]).read_bytes()))
        assert doc.budget_year == truth["budget_year"], truth["file"]
        got = [(p, ind) for p in doc.projects for ind in p.indicators]
        want = [(p, ind) for p in truth["projects"] for ind in p["indicators"]]
        assert len(got) == len(want), f"{truth['file']}: {len(got)} rows, truth has {len(want)}"
        for (gp, gi), (tp, ti) in zip(got, want, strict=True):
            pairs = {
                "unit_name": (gp.unit_name or doc.unit_name, truth["unit_name"]),
                "code": (gp.code, tp["code"]),
                "name": (gp.name, tp["name"]),
                "goal": (gp.goal, tp["goal"]),
                **{f: (getattr(gi, "measure_unit" if f == "unit" else f), ti[f]) for f in FIELDS},
            }
            for field, (a, b) in pairs.items():
                if canon(a) != canon(b):
                    mismatches.append(
                        f"{truth['file']} p{gi.page} {tp['code']} {ti['level3']}: {field} {a!r} != {b!r}"
                    )
    assert not mismatches, "\n".join(mismatches[:20])


def test_long_document_spans_over_a_hundred_pages(corpus: Path) -> None:
    long = next(t for t in truths(corpus) if t["layout"] == "long")
    extraction = extract((corpus / long["file"]).read_bytes())
    assert extraction.pages >= 100
    assert len(extraction.table_pages) >= 100


def test_page_numbers_point_at_the_rows_page(corpus: Path) -> None:
    """Rows keep the page they stand on: later rows never stand on earlier pages."""
    long = next(t for t in truths(corpus) if t["layout"] == "long")
    doc = normalize(extract((corpus / long["file"]).read_bytes()))
    pages = [ind.page for p in doc.projects for ind in p.indicators]
    assert pages == sorted(pages)
    assert pages[0] >= 1 and pages[-1] <= doc.pages
