"""The rule registry: every check is a small pure function declared with `@rule(...)`.

The decorator turns the function into a frozen `Rule` carrying its id (as in rules.md §2), group,
default severity, basis and Chinese message template. There is no global list to append to: rule
modules are gathered with `collect(module, ...)`, which keeps definition order and refuses
duplicate ids, so the registry is an immutable tuple built once.

A check receives a context for one document, one project or one indicator row (its `scope`) and
yields `Finding`s made by `ctx.finding(...)`, which fills in the provenance (project code, page,
row, 三级指标), renders the template and applies the profile's severity overrides.

The cross-document rules (Y1–Y4) are declared the same way with an across scope: ``unit`` (a
unit's projects compared within one year and with the year before) or ``all_units`` (every
stored unit and year compared at once). Their check receives an `AcrossContext` over many
projects and yields `Located` findings (the finding, the entry it is about and the entries it
was compared with); `db.across` decides from the scope what to recompute when.

Each rule also says which tables it judges (`kinds`, `pipeline.model.TABLE_KINDS`); the runners
hand it only projects of those kinds. Unless a declaration names them, they follow the group
(rules.md §2.8a and the line under it): S, V, D, W, the extraction checks P and the scan checks O
judge every table, the indicator grid of a self-evaluation included; E (self-evaluation) judges
only 自评表; X (the other tables of the PDF) only project target tables — department tables take
no X rule; Y (targets across years and units, Y5) every target table, project or department.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any, Literal

from pipeline.model import (
    DEPARTMENT_TARGET,
    EVALUATION_KINDS,
    PROJECT_TARGET,
    TABLE_KINDS,
    Finding,
    Severity,
)

Scope = Literal["document", "project", "row", "unit", "all_units"]
DOCUMENT_SCOPES: frozenset[str] = frozenset({"document", "project", "row"})  # one document at a time
ACROSS_SCOPES: frozenset[str] = frozenset({"unit", "all_units"})  # many stored documents
GROUP_ORDER = "SVDWEXYPO"  # as rules.md lists them (O: values read from scans, §2.8b)
GROUPS = frozenset(GROUP_ORDER)
ALL_KINDS: frozenset[str] = frozenset(TABLE_KINDS)
TARGET_KINDS: frozenset[str] = frozenset({PROJECT_TARGET, DEPARTMENT_TARGET})
GROUP_KINDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "S": ALL_KINDS,
        "V": ALL_KINDS,
        "D": ALL_KINDS,
        "W": ALL_KINDS,
        "P": ALL_KINDS,
        "O": ALL_KINDS,
        "E": EVALUATION_KINDS,
        "X": frozenset({PROJECT_TARGET}),
        "Y": TARGET_KINDS,
    }
)


@dataclass(frozen=True)
class Outcome:
    """One way a rule can fire: its severity and message template.

    Templates are `str.format` strings; ``{where}`` is always available (「项目」 and 「三级指标」
    of the finding), the rest come from the keyword arguments of `ctx.finding`.
    """

    severity: Severity
    template: str


@dataclass(frozen=True)
class Rule:
    id: str  # e.g. "S1", as in shared/domain/rules.md §2
    scope: Scope
    severity: Severity  # of the default outcome
    template: str  # of the default outcome
    basis: str  # where the rule comes from: 88 / 10 / 101 / DM / P / L / local
    title: str  # one line, Chinese: what the rule checks
    # a document-scope check yields `Finding`s; an across-scope one `Located` findings
    check: Callable[[Any], Iterable[Any]] = field(compare=False, repr=False)
    outcomes: Mapping[str, Outcome] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    kinds: frozenset[str] = ALL_KINDS  # the table kinds it judges (`rule` fills in the group's)

    @property
    def group(self) -> str:
        return self.id[0]

    @property
    def across(self) -> bool:
        """Judged across documents (scope `unit` or `all_units`), not within one."""
        return self.scope in ACROSS_SCOPES

    def outcome(self, name: str = "") -> Outcome:
        if not name:
            return Outcome(self.severity, self.template)
        try:
            return self.outcomes[name]
        except KeyError:
            raise KeyError(f"rule {self.id} has no outcome {name!r}") from None

    def judges(self, table_kind: str) -> bool:
        """Whether the rule judges a project of this table kind."""
        return table_kind in self.kinds


def rule(
    id: str,
    *,
    scope: Scope,
    severity: Severity,
    template: str,
    basis: str,
    title: str,
    outcomes: Mapping[str, tuple[Severity, str]] | None = None,
    kinds: Iterable[str] | None = None,
) -> Callable[[Callable[[Any], Iterable[Any]]], Rule]:
    """Declare a check: ``@rule("S1", scope="row", severity="error", template=..., ...)``;
    `kinds` (table kinds it judges) defaults to its group's (`GROUP_KINDS`)."""
    if id[:1] not in GROUPS or not id[1:].isdigit():
        raise ValueError(f"rule id {id!r} must be a group letter and a number")
    judged = GROUP_KINDS[id[0]] if kinds is None else frozenset(kinds)
    if not judged or not judged <= ALL_KINDS:
        raise ValueError(f"rule {id}: kinds must be some of {', '.join(TABLE_KINDS)}")

    def wrap(check: Callable[[Any], Iterable[Any]]) -> Rule:
        return Rule(
            id=id,
            scope=scope,
            severity=severity,
            template=template,
            basis=basis,
            title=title,
            check=check,
            outcomes=MappingProxyType({k: Outcome(*v) for k, v in (outcomes or {}).items()}),
            kinds=judged,
        )

    return wrap


def collect(*modules: ModuleType) -> tuple[Rule, ...]:
    """The `Rule`s defined in `modules`, in definition order; duplicate ids are an error."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, Rule) and value.id not in seen:
                rules.append(value)
                seen.add(value.id)
            elif isinstance(value, Rule) and not any(r is value for r in rules):
                raise ValueError(f"rule id {value.id} is defined twice")
    return tuple(rules)


def by_id(rules: Iterable[Rule]) -> Mapping[str, Rule]:
    return MappingProxyType({r.id: r for r in rules})


def make_finding(
    rule: Rule,
    outcome: str,
    severity: Severity,
    *,
    where: str,
    fields: Mapping[str, object],
    project_code: str | None,
    page: int | None,
    row: int | None,
    level3: str | None,
) -> Finding:
    template = rule.outcome(outcome).template
    return Finding(
        rule=rule.id,
        severity=severity,
        message=template.format(where=where, **fields),
        project_code=project_code,
        page=page,
        row=row,
        level3=level3,
    )
