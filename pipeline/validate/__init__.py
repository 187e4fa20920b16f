"""Validation: `Document` → findings, by the rules of shared/domain/rules.md §2.

Every rule is in the registry `RULES` (`pipeline.validate.rules`), declared with `@rule(...)`.
Implemented per document (`run_rules`, `validate`): S1–S10, V1–V9 (+ V10, a local addition: a
本年绩效指标值 looser than the 绩效指标值), D1–D5, W1–W5, P1, P3, P5, Y5 (qualitative-only
projects, which needs no other document), O1–O2 (values read from scans under the profile's
`ocr_confidence`; rows read from a text layer are never judged by them) and, on 自评表 only,
E1–E6. Across documents
(`run_across`, for the caller that holds many documents: the database): Y1–Y4 of
`pipeline.validate.across`, scope ``unit`` or ``all_units``.

Left out, and why:
- X1–X5 compare with the 项目支出表 and other tables of the same PDF, which the extractor does not
  read (the Document carries only the performance table).
- P2 (a header row repeated mid-table) and P4 (text cut at a page break) need page geometry; the
  extractor handles them, and a header that still slips through is reported by S4.
- S10's informational half (★ parsed into `core`) is what normalize does; only the profile's
  "core required" check emits findings.

Each rule judges the table kinds it declares (`Rule.kinds`, by default its group's: S V D W P on
every table, a department's and a self-evaluation's grid included; E on 自评表; Y on target
tables); the runners hand it only projects of those kinds.

Rules judge a value on 本年绩效指标值 when it is filled, else on 绩效指标值, and a project's weights
on 本年权重 when that column holds any number, else on 权重.

`validate` is pure. A profile name or path in `ValidateSettings.profile` is read from disk on each
call; callers that validate many documents load it once (`load_profile`) and pass the `Profile`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pipeline.model import Document, Finding
from pipeline.settings import ValidateSettings
from pipeline.validate.context import AcrossContext, DocumentContext, Entry, Located
from pipeline.validate.profile import Profile, ProfileError, load_profile
from pipeline.validate.registry import Rule
from pipeline.validate.rules import ACROSS_RULES, DOCUMENT_RULES, RULES

__all__ = [
    "ACROSS_RULES",
    "DOCUMENT_RULES",
    "RULES",
    "Entry",
    "Located",
    "Profile",
    "ProfileError",
    "load_profile",
    "resolve_profile",
    "run_across",
    "run_rules",
    "validate",
]


def resolve_profile(settings: ValidateSettings | None) -> Profile:
    profile = (settings or ValidateSettings()).profile
    return profile if isinstance(profile, Profile) else load_profile(profile)


def run_rules(
    document: Document, profile: Profile, rules: Iterable[Rule] = DOCUMENT_RULES
) -> tuple[Finding, ...]:
    """Run the per-document `rules` the profile selects over one document (across rules are skipped).

    Findings come in document order: document-level ones first, then per project, its
    project-level findings before its rows, each in rule order.
    """
    first_index: dict[str | None, int] = {}
    for i, p in enumerate(document.projects):
        first_index.setdefault(p.code, i)
    keyed: list[tuple[tuple[int, int, int], Finding]] = []
    kinds = {p.table_kind for p in document.projects}
    chosen = (r for r in rules if not r.across and profile.selects(r.id) and kinds & r.kinds)
    for order, rule in enumerate(chosen):
        ctx = DocumentContext(document, profile, rule)
        if rule.scope == "document":
            for f in rule.check(ctx):
                where = (
                    -1 if f.page is None and f.project_code is None else first_index.get(f.project_code, -1)
                )
                keyed.append(((where, -1 if f.row is None else f.row, order), f))
            continue
        for p in ctx.projects():
            checks = (rule.check(p),) if rule.scope == "project" else (rule.check(r) for r in p.rows())
            for results in checks:
                for f in results:
                    keyed.append(((p.index, -1 if f.row is None else f.row, order), f))
    keyed.sort(key=lambda kf: kf[0])
    return tuple(f for _, f in keyed)


def run_across(
    entries: Sequence[Entry], profile: Profile, rules: Iterable[Rule] = ACROSS_RULES
) -> tuple[Located, ...]:
    """Run the across `rules` the profile selects (per-document rules are skipped) over `entries`,
    ``(unit name, budget year, Project)``; the findings sorted by entry index, then rule order.

    Each rule sees only the entries of the table kinds it judges; the indices of what it finds
    point into `entries`."""
    out: list[Located] = []
    for rule in rules:
        if not rule.across or not profile.selects(rule.id):
            continue
        judged = [i for i, (_, _, project) in enumerate(entries) if rule.judges(project.table_kind)]
        seen = [entries[i] for i in judged]
        for located in rule.check(AcrossContext(seen, profile, rule)):
            related = tuple((judged[j], row) for j, row in located.related)
            out.append(Located(judged[located.index], located.finding, related))
    return tuple(sorted(out, key=lambda located: located.index))


def validate(document: Document, settings: ValidateSettings | None = None) -> tuple[Finding, ...]:
    """All selected rules of the settings' profile over `document` (see the module docstring)."""
    return run_rules(document, resolve_profile(settings))
