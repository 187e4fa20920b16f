"""Cross-document checks over the stored rows: the across rules of the registry, kept current.

The rules (Y1–Y4, `pipeline.validate.across`) are pure and declared in the registry like every
other rule; this module feeds them from the database and files what they find. Which rules it
runs, and how widely, it reads from the registry: a rule of scope ``unit`` (Y1–Y3) compares a
unit's projects within a year and with the year before, so it is re-run per (unit, year) pair; a
rule of scope ``all_units`` (Y4) compares every unit and year, so it is re-run over the whole
database.

A cross finding is stored like a document finding (scope `cross`) on the document of the entry it
is about — the later year's (Y1/Y2), the second look-alike project (Y3), the outlier (Y4) — so
`jixiao findings` shows its SHA-256, page, project code and row. `subject` says which (unit, year)
it was filed under and points at the other document(s) the rule compared it with.

When to refresh is decided in one place, `refresh_after`, which both modes call: `jixiao ingest`
in-process after its batch, a Celery worker after each document, `jixiao ingest` in broker mode
after following its batch, and the periodic beat task.

What a refresh replaces, atomically (one transaction; on PostgreSQL behind an advisory lock so
two workers refreshing overlapping units queue instead of interleaving their deletes/inserts):

- ``unit`` rules for a set of (unit, year) pairs: the findings filed under those pairs are
  replaced by a fresh run over those pairs plus the year before each (read only). A document of
  (unit, Y) changes the answers for (unit, Y) and (unit, Y+1): `refresh_for` covers both.
- ``all_units`` rules are recomputed over the whole database; only rows that could be a unit
  cost (a 元 unit or 单价 in the name: all that Y4 looks at) are read.

The profile is always the caller's: nothing here falls back to a default one. Units are the
project's 单位名称, or the document's when the table has no such column (as in `jixiao export`);
years are the document's 预算年度.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    text,
    true,
    update,
)

from db.engine import write_connection
from db.models import SCOPE_CROSS, Document, Finding, Indicator, Project, utcnow
from pipeline import model
from pipeline.validate import ACROSS_RULES, Entry, Located, Profile, run_across

UNIT_RULES = tuple(r for r in ACROSS_RULES if r.scope == "unit")  # re-run per (unit, year)
ALL_UNITS_RULES = tuple(r for r in ACROSS_RULES if r.scope == "all_units")  # re-run over everything
# Key of the PostgreSQL advisory lock that serialises refreshes (the bytes of "jixiaoxy").
ACROSS_LOCK_KEY = int.from_bytes(b"jixiaoxy", "big", signed=True)
_DELETE_CHUNK = 500

Pair = tuple[str | None, int | None]  # (unit name, budget year)


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: pairs re-judged, ``unit``-rule findings now filed under them,
    ``all_units``-rule findings now stored (None when those were not recomputed)."""

    pairs: int
    findings: int
    outliers: int | None = None

    @property
    def total(self) -> int:
        return self.findings + (self.outliers or 0)


@dataclass(frozen=True)
class _Stored:
    """One project as read back, with where it came from."""

    document_id: int
    sha256: str
    source_name: str
    unit: str | None
    year: int | None
    ordinal: int
    project: model.Project
    ordinals: tuple[int, ...]  # the project's row number of each indicator passed to the rules

    @property
    def pair(self) -> Pair:
        return (self.unit, self.year)

    @property
    def entry(self) -> Entry:
        return (self.unit, self.year, self.project)


# --------------------------------------------------------------------------- public


@dataclass(frozen=True)
class Part:
    """One independent piece of a refresh: the ``unit`` rules over some (unit, year) pairs, or
    the ``all_units`` rules over everything. Parts of one plan touch disjoint findings, so they
    may run in any order, in several processes."""

    pairs: frozenset[Pair] = frozenset()
    whole_database: bool = False


def plan_after(engine: Engine, sha256s: Iterable[str], *, whole_database: bool, parts: int = 1) -> list[Part]:
    """The one place that decides what to recompute once documents are stored; every mode uses it.

    The ``unit`` rules are re-run for every (unit, year) the documents `sha256s` touch, as stored
    now and as their cross findings were filed before (a re-read document may have changed unit
    or year), and for the year after each. The ``all_units`` rules compare every stored document,
    too wide to redo after each one: they run only with `whole_database`, which the callers pass
    at the end of a batch (in-process or followed in broker mode) and on the periodic beat task,
    not after each document a Celery worker stores. The pairs are dealt into at most `parts`
    parts by unit (a unit's years must be judged together).
    """
    shas = sorted(set(sha256s))
    touched: set[Pair] = set()
    if shas:
        with engine.connect() as conn:
            for chunk in _chunks(shas, _DELETE_CHUNK):
                ids = select(Document.id).where(Document.sha256.in_(chunk))
                touched |= _stored_pairs(conn, Project.document_id.in_(ids))
                for (subject,) in conn.execute(
                    select(Finding.subject).where(Finding.document_id.in_(ids), Finding.scope == SCOPE_CROSS)
                ):
                    touched.add(_subject_pair(subject))
    pairs = touched | {(unit, year + 1) for unit, year in touched if year is not None}
    units = sorted({unit for unit, _ in pairs}, key=lambda u: (u is None, u or ""))
    dealt: list[set[Pair]] = [set() for _ in range(max(1, min(parts, len(units))))]
    for i, unit in enumerate(units):
        dealt[i % len(dealt)] |= {p for p in pairs if p[0] == unit}
    plan = [Part(frozenset(d)) for d in dealt if d]
    if whole_database:
        plan.append(Part(whole_database=True))
    return plan


def settle(engine: Engine, sha256s: Iterable[str], refreshed_from: datetime) -> None:
    """A refresh that began at `refreshed_from` covered these documents: their cross findings are
    current (one stored again since stays due: the refresh may have read it before)."""
    with write_connection(engine) as conn:
        for chunk in _chunks(sorted(set(sha256s)), _DELETE_CHUNK):
            _settle_where(conn, Document.sha256.in_(chunk), refreshed_from)


def settle_pairs(engine: Engine, pairs: Collection[Pair], refreshed_from: datetime) -> None:
    """After a refresh of `pairs` that began at `refreshed_from`: the due documents whose stored
    projects all lie within those pairs are current (a Celery worker's delayed refresh serves
    every document of its unit-years that arrived before it)."""
    wanted = set(pairs)
    with write_connection(engine) as conn:
        statement = (
            select(Document.id, _unit(), Document.budget_year)
            .select_from(Project)
            .join(Document, Project.document_id == Document.id)
            .where(Document.across_due.is_(True), Document.updated_at <= refreshed_from)
            .distinct()
        )
        held: dict[int, set[Pair]] = defaultdict(set)
        for document_id, unit, year in conn.execute(statement):
            held[document_id].add((unit, year))
        covered = sorted(d for d, own in held.items() if own <= wanted)
        for chunk in _chunks(covered, _DELETE_CHUNK):
            _settle_where(conn, Document.id.in_(chunk), refreshed_from)


def stored_pairs_of(engine: Engine, sha256: str) -> set[Pair]:
    """The (unit, year) pairs of one document's stored projects."""
    with engine.connect() as conn:
        ids = select(Document.id).where(Document.sha256 == sha256)
        return _stored_pairs(conn, Project.document_id.in_(ids))


def _settle_where(conn: Connection, where: ColumnElement[bool], refreshed_from: datetime) -> None:
    conn.execute(
        update(Document)
        .where(where, Document.across_due.is_(True), Document.updated_at <= refreshed_from)
        .values(across_due=False, updated_at=Document.updated_at)  # settling is not an update of its own
    )


def refresh_part(engine: Engine, part: Part, profile: Profile) -> Refreshed:
    """Run one part of a plan."""
    return refresh_pairs(engine, part.pairs, profile, whole_database=part.whole_database)


def refresh_after(
    engine: Engine, sha256s: Iterable[str], profile: Profile, *, whole_database: bool
) -> Refreshed:
    """`plan_after`, run here, part after part (a Celery worker, `jixiao ingest` in broker mode);
    the documents `sha256s` are then current."""
    started, shas = utcnow(), list(sha256s)
    done = [
        refresh_part(engine, part, profile)
        for part in plan_after(engine, shas, whole_database=whole_database)
    ]
    settle(engine, shas, started)
    outliers = [r.outliers for r in done if r.outliers is not None]
    return Refreshed(
        sum(r.pairs for r in done), sum(r.findings for r in done), outliers[0] if outliers else None
    )


def refresh_for(
    engine: Engine, unit_name: str | None, year: int | None, profile: Profile, *, whole_database: bool = True
) -> Refreshed:
    """After one document of (`unit_name`, `year`) was stored: (unit, year) and (unit, year + 1),
    whose Y1/Y2 compare against this year, then (with `whole_database`) the ``all_units`` rules."""
    pairs: set[Pair] = {(unit_name, year)}
    if year is not None:
        pairs.add((unit_name, year + 1))
    return refresh_pairs(engine, pairs, profile, whole_database=whole_database)


def refresh_unit(engine: Engine, unit_name: str | None, profile: Profile) -> Refreshed:
    """Every year of one unit, then the ``all_units`` rules."""
    with engine.connect() as conn:
        pairs = _stored_pairs(conn, _is(_unit(), unit_name))
        pairs |= {p for p in _filed_pairs(conn) if p[0] == unit_name}
    return refresh_pairs(engine, pairs, profile)


def refresh_year(engine: Engine, year: int | None, profile: Profile) -> Refreshed:
    """Every unit of one year, and of the year after (which compares against it), then the
    ``all_units`` rules."""
    years = [year] if year is None else [year, year + 1]
    with engine.connect() as conn:
        pairs = _stored_pairs(conn, _in(Document.budget_year, years))
        pairs |= {p for p in _filed_pairs(conn) if p[1] in years}
    return refresh_pairs(engine, pairs, profile)


def refresh_all(engine: Engine, profile: Profile) -> Refreshed:
    """Every (unit, year) stored, then the ``all_units`` rules."""
    with engine.connect() as conn:
        pairs = _stored_pairs(conn, true()) | _filed_pairs(conn)
    return refresh_pairs(engine, pairs, profile)


def refresh_pairs(
    engine: Engine, pairs: Collection[Pair], profile: Profile, *, whole_database: bool = True
) -> Refreshed:
    """Replace the ``unit``-rule findings filed under `pairs` (and, with `whole_database`, every
    ``all_units``-rule finding) by a fresh run, in one transaction."""
    pairs = set(pairs)
    with write_connection(engine) as conn:
        _lock(conn)
        written = _refresh_pairs(conn, pairs, profile) if pairs else 0
        found = _refresh_all_units(conn, profile) if whole_database else None
    return Refreshed(len(pairs), written, found)


# --------------------------------------------------------------------------- scope `unit`


def _refresh_pairs(conn: Connection, pairs: set[Pair], profile: Profile) -> int:
    context = pairs | {(unit, year - 1) for unit, year in pairs if year is not None}
    stored = [s for s in _load(conn, context) if s.pair in context]
    rows = [
        _finding_row(stored, located)
        for located in run_across([s.entry for s in stored], profile, UNIT_RULES)
        if stored[located.index].pair in pairs
    ]
    _delete_filed(conn, [r.id for r in UNIT_RULES], pairs)
    if rows:
        conn.execute(insert(Finding), rows)
    return len(rows)


def _reference(s: _Stored, row: int | None = None) -> dict[str, Any]:
    page = s.project.indicators[row].page if row is not None else s.project.page
    return {
        "sha256": s.sha256,
        "source_name": s.source_name,
        "unit_name": s.unit,
        "budget_year": s.year,
        "project_code": s.project.code,
        "project_name": s.project.name,
        "page": page or None,
        "row": s.ordinals[row] if row is not None else None,
    }


# --------------------------------------------------------------------------- scope `all_units`


def _refresh_all_units(conn: Connection, profile: Profile) -> int:
    rows: list[dict[str, Any]] = []
    if any(profile.selects(r.id) for r in ALL_UNITS_RULES):
        # Y4 looks only at unit costs: reading just those rows keeps a whole-database run small
        money_or_price = or_(Indicator.measure_unit.contains("元"), Indicator.level3.contains("单价"))
        stored = _load(conn, None, money_or_price)
        rows = [
            _finding_row(stored, located)
            for located in run_across([s.entry for s in stored], profile, ALL_UNITS_RULES)
        ]
    conn.execute(
        delete(Finding).where(Finding.scope == SCOPE_CROSS, Finding.rule.in_([r.id for r in ALL_UNITS_RULES]))
    )
    if rows:
        conn.execute(insert(Finding), rows)
    return len(rows)


# --------------------------------------------------------------------------- reading and writing


def _unit() -> ColumnElement[Any]:
    return func.coalesce(Project.unit_name, Document.unit_name)


def _stored_pairs(conn: Connection, where: ColumnElement[bool]) -> set[Pair]:
    """The distinct (unit, year) of the stored projects that satisfy `where`."""
    statement = (
        select(_unit(), Document.budget_year)
        .select_from(Project)
        .join(Document, Project.document_id == Document.id)
        .where(where)
        .distinct()
    )
    return {(unit, year) for unit, year in conn.execute(statement)}


def _filed_pairs(conn: Connection) -> set[Pair]:
    """The (unit, year) pairs ``unit``-rule findings are filed under now (their data may be gone since)."""
    statement = select(Finding.subject).where(
        Finding.scope == SCOPE_CROSS, Finding.rule.in_([r.id for r in UNIT_RULES])
    )
    return {_subject_pair(subject) for subject in conn.execute(statement).scalars()}


def _is(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _in(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    values = set(values)
    known = [v for v in values if v is not None]
    clauses = [column.in_(known)] if known else []
    if None in values:
        clauses.append(column.is_(None))
    return or_(*clauses) if clauses else false()


# the indicator columns read back into `pipeline.model.Indicator` (all but its raw cells)
_INDICATOR_FIELDS = tuple(f.name for f in fields(model.Indicator) if f.name not in ("raw", "ocr_cells"))


def _load(
    conn: Connection, pairs: set[Pair] | None, row_filter: ColumnElement[bool] | None = None
) -> list[_Stored]:
    """The projects of `pairs` (None: all), with their indicators (only those matching
    `row_filter`, when given), ordered by year, document and position."""
    unit = _unit()
    statement = (
        select(
            Document.id.label("document_id"),
            Document.sha256,
            Document.source_name,
            unit.label("unit"),
            Document.budget_year.label("year"),
            Project.ordinal.label("project_ordinal"),
            Project.code,
            Project.name,
            Project.goal,
            Project.unit_name,
            Project.table_kind,
            Indicator.ordinal.label("row"),
            *(getattr(Indicator, name) for name in _INDICATOR_FIELDS),
        )
        .select_from(Indicator)
        .join(Project, Indicator.project_id == Project.id)
        .join(Document, Indicator.document_id == Document.id)
        .order_by(Document.budget_year, Document.id, Project.ordinal, Indicator.ordinal)
    )
    if pairs is not None:
        statement = statement.where(
            _in(Document.budget_year, {y for _, y in pairs}), _in(unit, {u for u, _ in pairs})
        )
    if row_filter is not None:
        statement = statement.where(row_filter)
    grouped: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in conn.execute(statement):
        grouped[(row.document_id, row.project_ordinal)].append(row)
    out: list[_Stored] = []
    for rows in grouped.values():  # insertion order = statement order
        first = rows[0]
        indicators = tuple(
            model.Indicator(**{name: getattr(r, name) for name in _INDICATOR_FIELDS}) for r in rows
        )
        project = model.Project(
            code=first.code,
            name=first.name,
            goal=first.goal,
            unit_name=first.unit_name,
            indicators=indicators,
            table_kind=first.table_kind,  # the rules judge only the kinds they name
        )
        out.append(
            _Stored(
                document_id=first.document_id,
                sha256=first.sha256,
                source_name=first.source_name,
                unit=first.unit,
                year=first.year,
                ordinal=first.project_ordinal,
                project=project,
                ordinals=tuple(r.row for r in rows),
            )
        )
    return out


def _finding_row(stored: Sequence[_Stored], located: Located) -> dict[str, Any]:
    """The row of a finding on `stored[located.index]`, pointing at the entries it was compared with."""
    s, finding = stored[located.index], located.finding
    related = [_reference(stored[index], row) for index, row in located.related]
    return {
        "document_id": s.document_id,
        "project_code": finding.project_code,
        "rule": finding.rule,
        "severity": finding.severity,
        "message": finding.message,
        "page": finding.page,
        "row": s.ordinals[finding.row] if finding.row is not None else None,
        "level3": finding.level3,
        "scope": SCOPE_CROSS,
        "subject": {
            "unit_name": s.unit,
            "budget_year": s.year,
            "project_ordinal": s.ordinal,
            "related": related,
        },
    }


def _subject_pair(subject: dict[str, Any] | None) -> Pair:
    subject = subject or {}
    return (subject.get("unit_name"), subject.get("budget_year"))


def _delete_filed(conn: Connection, rules: Sequence[str], pairs: set[Pair]) -> None:
    """Delete the cross findings of `rules` filed under one of `pairs` (read from `subject`)."""
    candidates = conn.execute(
        select(Finding.id, Finding.subject)
        .join(Document, Finding.document_id == Document.id)
        .where(
            Finding.scope == SCOPE_CROSS,
            Finding.rule.in_(list(rules)),
            _in(Document.budget_year, {y for _, y in pairs}),
        )
    ).all()
    doomed = [fid for fid, subject in candidates if _subject_pair(subject) in pairs]
    for chunk in _chunks(doomed, _DELETE_CHUNK):
        conn.execute(delete(Finding).where(Finding.id.in_(chunk)))


def _lock(conn: Connection) -> None:
    """PostgreSQL: one refresh at a time (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACROSS_LOCK_KEY})


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
