"""Profiles: the shipped national profile, city profiles that extend it, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import ValidateSettings
from pipeline.validate import Profile, ProfileError, load_profile, resolve_profile, validate
from tests.pipeline.rules.build import document, with_row


def test_national_profile_values() -> None:
    p = load_profile()
    assert p.name == "national"
    assert p.satisfaction_floor == 80.0
    assert p.cost_indicator_required is False and p.core_required is False
    assert p.weight_totals == (90.0, 100.0)
    assert p.style_101_from_year == 2022
    assert dict(p.level1_weights) == {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}
    assert p.selects("S1") and p.selects("W4") and p.selects("Y2")


def test_shipped_profile_equals_dataclass_defaults() -> None:
    """The TOML and the dataclass must not drift apart."""
    shipped = load_profile("national")
    default = Profile()
    for name in Profile.__dataclass_fields__:
        if name != "description":
            assert getattr(shipped, name) == getattr(default, name), name


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_city_profile_extends_national(tmp_path: Path) -> None:
    city = write(
        tmp_path,
        "lhasa.toml",
        """
extends = "national"
name = "拉萨市"
[hierarchy]
cost_indicator_required = true
[values]
satisfaction_floor = 85
[weights.level1]
"产出指标" = 60
[severity]
W4 = "warning"
"s5.benefit" = "error"
""",
    )
    p = load_profile(city)
    assert p.name == "拉萨市"
    assert p.cost_indicator_required is True and p.satisfaction_floor == 85.0
    assert dict(p.level1_weights) == {"产出指标": 60.0, "效益指标": 30.0, "满意度指标": 10.0}  # merged
    assert p.weight_totals == (90.0, 100.0)  # inherited
    assert p.severity_for("W4", "", "info") == "warning"
    assert p.severity_for("S5", "benefit", "warning") == "error"
    assert p.severity_for("S5", "", "error") == "error"
    # the override reaches the findings without code changes
    findings = validate(with_row(0, weight=25), ValidateSettings(profile=str(city)))
    assert {f.severity for f in findings if f.rule == "W4"} == {"warning"}
    assert any(
        f.rule == "D5" for f in validate(with_row(6, target="82"), ValidateSettings(profile=str(city)))
    )


def test_profile_chain_relative_paths(tmp_path: Path) -> None:
    write(tmp_path, "region.toml", 'extends = "national"\n[rules]\nignore = ["W4", "d"]\n')
    (tmp_path / "city").mkdir()
    city = write(
        tmp_path / "city", "city.toml", 'extends = "../region.toml"\n[values]\nsatisfaction_floor = 90\n'
    )
    p = load_profile(city)
    assert p.name == "city" and p.satisfaction_floor == 90.0
    assert not p.selects("W4") and not p.selects("D5") and p.selects("W2")


def test_select_groups(tmp_path: Path) -> None:
    p = load_profile(write(tmp_path, "s.toml", 'extends = "national"\n[rules]\nselect = ["S", "W2"]\n'))
    assert p.selects("S10") and p.selects("W2") and not p.selects("W1") and not p.selects("V1")
    rule_ids = {f.rule for f in validate(with_row(0, level2=None, weight=None), ValidateSettings(profile=p))}
    assert rule_ids <= {"S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "W2"}
    assert "S1" in rule_ids


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('extends = "national"\n[values]\nsatisfaction_flor = 85\n', "unknown profile key"),
        ('extends = "national"\nfoo = 1\n', "unknown profile key"),
        ('extends = "national"\n[values]\nsatisfaction_floor = "high"\n', "must be a number"),
        ('extends = "national"\n[hierarchy]\nstyle = "2015"\n', "must be one of"),
        ('extends = "national"\n[hierarchy]\ncore_required = 1\n', "true or false"),
        ('extends = "national"\n[severity]\nW4 = "fatal"\n', "severity.W4"),
        ('extends = "nowhere"\n', "no shipped profile"),
        ("this is = = not toml", "not valid TOML"),
    ],
)
def test_bad_profiles_are_rejected(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_profile(write(tmp_path, "bad.toml", text))


def test_cycle_and_missing_file(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ProfileError, match="cycle"):
        load_profile(tmp_path / "a.toml")
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "missing.toml")


def test_resolve_profile_passes_a_loaded_profile_through() -> None:
    p = load_profile()
    assert resolve_profile(ValidateSettings(profile=p)) is p
    assert resolve_profile(None) == p
    assert validate(document(), ValidateSettings(profile=p)) == validate(document())
