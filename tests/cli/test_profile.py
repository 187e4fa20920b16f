"""A city's rule profile is a TOML file named by $JIXIAO_PROFILE: no code changes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.cli.conftest import Invoke, Workspace, cpu_workers
from tests.cli.test_ingest import seed_pdf  # noqa: F401 — the fixture


def rules_fired(jixiao: Invoke) -> Counter[str]:
    out = jixiao("findings", "--format", "jsonl").stdout
    return Counter(json.loads(line)["rule"] for line in out.splitlines() if line.strip())


def test_a_city_profile_changes_the_findings_without_code(
    workspace: Workspace,
    jixiao: Invoke,
    tmp_path: Path,
    seed_pdf: bytes,  # noqa: F811
) -> None:
    (workspace.inputs / "seed.pdf").write_bytes(seed_pdf)
    assert jixiao("ingest", str(workspace.inputs), "--workers", cpu_workers()).exit_code == 0
    national = rules_fired(jixiao)
    assert any(rule.startswith("W") for rule in national), national

    city = tmp_path / "lasa.toml"
    city.write_text('extends = "national"\nname = "lasa"\n[rules]\nignore = ["W"]\n', encoding="utf-8")
    result = jixiao("reprocess", "--all", extra_env={"JIXIAO_PROFILE": str(city)})
    assert result.exit_code == 0, result.output
    city_rules = rules_fired(jixiao)
    assert not any(rule.startswith("W") for rule in city_rules), city_rules
    others = {r: n for r, n in national.items() if not r.startswith("W")}
    assert {r: n for r, n in city_rules.items() if not r.startswith("W")} == others


def test_a_profile_that_does_not_exist_stops_the_run_with_one_line(
    workspace: Workspace,
    jixiao: Invoke,
    seed_pdf: bytes,  # noqa: F811
) -> None:
    (workspace.inputs / "seed.pdf").write_bytes(seed_pdf)
    result = jixiao("ingest", str(workspace.inputs), extra_env={"JIXIAO_PROFILE": "/nowhere/city.toml"})
    assert result.exit_code == 1
    assert "profile file not found" in result.stderr
    assert len(result.stderr.strip().splitlines()[-1]) < 200
