"""From generated PDFs to the report: a multi-unit, multi-year archive through `jixiao ingest`.

Unit A has 2024 and 2025: one project copied unchanged (Y1), one whose ≥ target was lowered
(Y2). Unit B has 2024 and 2025 with one project copied. Unit C has 2025 only. The 2025 files are
ingested first, then the 2024 archive: the earlier year arriving later must still produce the
findings on the 2025 documents. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import Invoke, Workspace, cpu_workers
from tests.cli.files import zip_of
from tests.fixtures.render import render_pdf
from tests.fixtures.truths import Indicator, Project, Truth, TruthParams, random_truth

LOWERED = "宣传活动次数"
PARAMS = TruthParams(projects=(3, 4), min_year=2024, max_year=2024, null_rate=0.0)


@dataclass(frozen=True)
class Archive:
    files: dict[str, bytes]  # archive member name -> PDF
    units: dict[str, str]  # "A" -> unit name
    copied: dict[str, str]  # unit letter -> code of the project copied into 2025
    lowered: tuple[str, str]  # (unit letter, project code) whose target went down


def _with_row(project: Project, target: str) -> Project:
    """The project with its first row turned into a ≥ count whose target is `target`."""
    first = project.indicators[0]
    row = Indicator(first.level1, first.level2, LOWERED, False, "≥", target, target, "次",
                    first.weight, first.weight_this_year)  # fmt: skip
    return replace(project, indicators=(row, *project.indicators[1:]))


def _years(seed: int, lower: bool) -> tuple[Truth, Truth]:
    rng = random.Random(seed)
    first = random_truth(rng, PARAMS)
    fresh = random_truth(random.Random(seed + 1000), PARAMS).projects[2:]
    projects = list(first.projects)
    if lower:
        projects[1] = _with_row(projects[1], "12")
    first = replace(first, projects=tuple(projects))
    second_projects = [projects[0], _with_row(projects[1], "8") if lower else projects[1], *fresh]
    if not lower:  # a changed target: this project is neither copied nor looser
        second_projects[1] = _with_row(projects[1], "20")
    return first, replace(first, budget_year=2025, projects=tuple(second_projects))


@pytest.fixture(scope="module")
def archive() -> Archive:
    a2024, a2025 = _years(11, lower=True)
    b2024, b2025 = _years(12, lower=False)
    c2025 = replace(random_truth(random.Random(13), PARAMS), budget_year=2025)
    units = {"A": a2024.unit_name, "B": b2024.unit_name, "C": c2025.unit_name}
    assert len(set(units.values())) == 3
    truths = {"2024/A.pdf": a2024, "2025/A.pdf": a2025, "2024/B.pdf": b2024, "2025/B.pdf": b2025,
              "2025/C.pdf": c2025}  # fmt: skip
    return Archive(
        files={name: render_pdf(t) for name, t in truths.items()},
        units=units,
        copied={"A": a2024.projects[0].code or "", "B": b2024.projects[0].code or ""},
        lowered=("A", a2024.projects[1].code or ""),
    )


def jsonl(jixiao: Invoke, *args: str) -> list[dict]:
    result = jixiao(*args, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def ingest(jixiao: Invoke, path: Path) -> None:
    result = jixiao("ingest", str(path), "--workers", cpu_workers())
    assert result.exit_code == 0, result.output


def test_archive_to_cross_year_findings_and_a_report(
    archive: Archive, workspace: Workspace, jixiao: Invoke
) -> None:
    later = workspace.inputs / "2025.zip"
    later.write_bytes(zip_of({k: v for k, v in archive.files.items() if k.startswith("2025/")}))
    ingest(jixiao, later)
    assert not [f for f in jsonl(jixiao, "findings") if f["rule"] in ("Y1", "Y2")]  # no 2024 yet

    earlier = workspace.inputs / "2024.zip"
    earlier.write_bytes(zip_of({k: v for k, v in archive.files.items() if k.startswith("2024/")}))
    ingest(jixiao, earlier)

    documents = jsonl(jixiao, "documents")
    assert [d["status"] for d in documents] == ["stored"] * 5
    sha = {
        d["source_name"].split("/")[-1].removesuffix(".pdf") + str(d["budget_year"]): d["sha256"]
        for d in documents
    }
    assert {d["unit_name"] for d in documents} == set(archive.units.values())

    found = jsonl(jixiao, "findings")
    y1 = {(f["document_sha256"], f["project_code"]) for f in found if f["rule"] == "Y1"}
    y2 = [f for f in found if f["rule"] == "Y2"]
    assert y1 == {(sha["A2025"], archive.copied["A"]), (sha["B2025"], archive.copied["B"])}
    assert [(f["document_sha256"], f["project_code"], f["severity"]) for f in y2] == [
        (sha["A2025"], archive.lowered[1], "warning")
    ]
    assert (y2[0]["level3"], y2[0]["row"]) == (LOWERED, 0) and isinstance(y2[0]["page"], int)
    assert "≥8" in y2[0]["message"] and "≥12" in y2[0]["message"]

    # the report, in one command, agrees with the findings
    out = workspace.root / "report.xlsx"
    result = jixiao("report", "--out", str(out))
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    summary = _table(wb["汇总"])
    assert {(r["单位名称"], r["预算年度"]) for r in summary} == {
        (archive.units["A"], 2024), (archive.units["A"], 2025), (archive.units["B"], 2024),
        (archive.units["B"], 2025), (archive.units["C"], 2025),
    }  # fmt: skip
    severities = Counter(f["severity"] for f in found)
    assert (sum(r["错误"] for r in summary), sum(r["警告"] for r in summary), sum(r["提示"] for r in summary)) == (
        severities["error"], severities["warning"], severities["info"],
    )  # fmt: skip
    exported = jsonl(jixiao, "export")
    assert sum(r["指标数"] for r in summary) == len(exported)
    assert sum(r["定量指标数"] for r in summary) == sum(
        1 for r in exported if r["operator"] not in (None, "定性")
    )
    assert len(_table(wb["问题清单"])) == len(found)
    cross = _table(wb["跨年度"])
    assert Counter(r["规则"] for r in cross if r["规则"] in ("Y1", "Y2")) == Counter({"Y1": 2, "Y2": 1})
    y2_row = next(r for r in cross if r["规则"] == "Y2")
    assert y2_row["对照年度"] == 2024 and y2_row["对照文件"].endswith("2024.zip!2024/A.pdf")

    html = workspace.root / "report.html"
    result = jixiao("report", "--format", "html", "--out", str(html), "--unit-name", archive.units["A"])
    assert result.exit_code == 0, result.output
    assert (
        f"问题清单（{len(jsonl(jixiao, 'findings', '--unit-name', archive.units['A']))}）"
        in html.read_text(encoding="utf-8")
    )


def _table(ws) -> list[dict]:  # noqa: ANN001 — an openpyxl worksheet
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
