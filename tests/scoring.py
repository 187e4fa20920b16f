"""Field accuracy of an export against ground truth: the acceptance measure, kept in the repository.

    python -m tests.scoring EXPORT.jsonl --root DIR [--layouts a,b] [--lenient]
    python -m tests.scoring --emit-truth-export OUT.jsonl --root DIR     # the truth itself: 1.0

Acceptance runs its own copy of the scorer, which a fresh clone does not have, so the tests measure
with this module instead; it has to count exactly what that scorer counts (tests/test_scoring.py
holds it to what the truths imply).

Truth: DIR/truth/<family>/<name>.json, the seed-transcription shape plus `file` (the PDF, relative
to DIR), `layout` (the family) and `sha256`; a bad input's truth has `expect` (error | no_table |
duplicate_of:<file>) instead of projects. `table_kind` (top or per project) and `period`, `actual`,
`score` per indicator are scored only on rows whose truth has them.

Matching: export rows belong to a truth document by `document_sha256`. Within a document, rows of
one project code are aligned to the truth project with that code on their 三级指标 (a monotone
alignment: one missing or extra row does not shift the rest); codes found on neither side pair up
by code or name similarity; what is still left is aligned in document order, more strictly. A
document stored under several names is scored under the name with most rows; the other rows are
false positives.

Comparison, as printed: whitespace removed and Kangxi radicals / CJK compatibility ideographs read
as the unified ideograph (a font artefact, not a difference a reader sees); nothing else folded, so
full-width punctuation must stay full-width. A trailing ★ is dropped from level3 (core is a field of
its own), None equals '', core is compared as a boolean, numbers numerically when both sides parse.
`lenient` folds everything with NFKC and reads >= <= as ≥ ≤ first.

Figures per family and overall: documents found, row recall (matched truth rows / truth rows),
precision (matched export rows / export rows), field accuracy (correct fields / truth fields: a
missed row scores 0 on every field).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIELDS = ("unit_name", "budget_year", "project_code", "project_name", "goal", "level1", "level2", "level3",
          "core", "operator", "target", "target_this_year", "measure_unit", "weight", "weight_this_year")  # fmt: skip
EXTRA_FIELDS = ("table_kind", "period", "actual", "score")  # scored where the truth row has them
OPERATOR_LOOKALIKES = {">=": "≥", "<=": "≤", "≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤"}  # folded if lenient
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是", "★", "t", "core", "核心"})
# Kangxi radicals (with the CJK radicals supplement) and CJK compatibility ideographs: what a font
# maps some glyphs to, read as the ideograph the reader sees.
FONT_ARTEFACTS = ((0x2E80, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
SPACE = re.compile(r"\s+")
TIE = 1e-9  # alignment totals closer than this are equal

Row = Mapping[str, Any]


# --------------------------------------------------------------------------- comparing one field


def _unified(ch: str) -> str:
    cp = ord(ch)
    return unicodedata.normalize("NFKC", ch) if any(lo <= cp <= hi for lo, hi in FONT_ARTEFACTS) else ch


def printed(value: Any, lenient: bool = False) -> str:
    """The text a value prints as: whitespace is layout, a radical look-alike is the ideograph."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = unicodedata.normalize("NFKC", str(value)) if lenient else "".join(map(_unified, str(value)))
    text = SPACE.sub("", text)
    if lenient:
        for lookalike, operator in OPERATOR_LOOKALIKES.items():
            text = text.replace(lookalike, operator)
    return text


def is_core(value: Any, lenient: bool = False) -> bool:
    """core as a boolean, whichever way an export writes it (True, 1, '是', '★', …)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value != 0
    return printed(value, lenient).lower() in TRUE_WORDS


def number(text: str) -> float | None:
    """The value of a plain decimal ('10', '10.0', '.5', '1e3'); None for anything else."""
    if not text or not NUMBER.fullmatch(text):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def comparable(name: str, value: Any, lenient: bool = False) -> str | bool:
    """What is compared of field `name`: core a boolean, level3 without its trailing ★."""
    if name == "core":
        return is_core(value, lenient)
    text = printed(value, lenient)
    return text.rstrip("★☆") if name == "level3" else text


def same(name: str, truth: Any, got: Any, lenient: bool = False) -> bool:
    """Field `name` of an exported row reads as its truth (numbers numerically: '10' == 10.0)."""
    a, b = comparable(name, truth, lenient), comparable(name, got, lenient)
    if a == b:
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    x, y = number(a), number(b)
    return x is not None and y is not None and abs(x - y) <= 1e-9 * max(1.0, abs(x))


def fields_of(truth_row: Row) -> tuple[str, ...]:
    """The fields a row is scored on: the contract's fifteen and the optional ones its truth has."""
    return FIELDS + tuple(f for f in EXTRA_FIELDS if f in truth_row)


# --------------------------------------------------------------------------- truth


@dataclass(frozen=True)
class TruthDocument:
    """A PDF that must yield rows: its truth as export records."""

    file: str
    family: str
    sha256: str | None
    rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class BadInput:
    """A PDF that must yield none (or, a duplicate, be stored once)."""

    file: str
    sha256: str | None
    expect: str


@dataclass(frozen=True)
class Truths:
    documents: tuple[TruthDocument, ...]
    bad: tuple[BadInput, ...]
    stale: tuple[str, ...]  # truth files whose sha256 is not that of the PDF beside them


def truth_rows(truth: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A truth as export records: one per indicator, unit and year from the document's top."""
    rows = []
    for p in truth.get("projects", []):
        kind = p.get("table_kind", truth.get("table_kind"))
        for ind in p.get("indicators", []):
            row = {
                "unit_name": truth.get("unit_name"), "budget_year": truth.get("budget_year"),
                "project_code": p.get("code"), "project_name": p.get("name"), "goal": p.get("goal"),
                "level1": ind.get("level1"), "level2": ind.get("level2"), "level3": ind.get("level3"),
                "core": ind.get("core"), "operator": ind.get("operator"), "target": ind.get("target"),
                "target_this_year": ind.get("target_this_year"), "measure_unit": ind.get("unit"),
                "weight": ind.get("weight"), "weight_this_year": ind.get("weight_this_year"),
            }  # fmt: skip
            if kind is not None:
                row["table_kind"] = kind
            row.update({f: ind[f] for f in ("period", "actual", "score") if f in ind})
            rows.append(row)
    return rows


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_truths(root: Path) -> Truths:
    """Every truth under root/truth; a PDF that is present is identified by its bytes, not its truth."""
    documents, bad, stale = [], [], []
    for path in sorted((root / "truth").glob("*/*.json")):
        t = json.loads(path.read_text(encoding="utf-8"))
        pdf = root / t["file"]
        sha = sha256_of(pdf) if pdf.exists() else t.get("sha256")
        if t.get("sha256") and sha != t["sha256"]:
            stale.append(t["file"])
        if t.get("layout") == "bad":
            bad.append(BadInput(t["file"], sha, t["expect"]))
        else:
            documents.append(
                TruthDocument(t["file"], t.get("layout") or "default", sha, tuple(truth_rows(t)))
            )
    return Truths(tuple(documents), tuple(bad), tuple(stale))


def truth_export(root: Path) -> list[dict[str, Any]]:
    """The truths as an export (what a perfect extractor gives): it scores 1.0."""
    return [
        {"document_sha256": doc.sha256, "source_name": Path(doc.file).name, **row}
        for doc in load_truths(root).documents
        for row in doc.rows
    ]


# --------------------------------------------------------------------------- pairing rows


def similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def row_similarity(truth: Row, got: Row, lenient: bool = False) -> float:
    """How alike two rows' 三级指标 are; agreeing operator, this year's target and level2 break ties
    between rows of one template (same names, other values)."""
    name = similarity(comparable("level3", truth.get("level3"), lenient),
                      comparable("level3", got.get("level3"), lenient))  # fmt: skip
    agreeing = sum(
        same(f, truth.get(f), got.get(f), lenient) for f in ("operator", "target_this_year", "level2")
    )
    return name + 0.01 * agreeing


def align(
    truth: Sequence[Row], got: Sequence[Row], threshold: float, lenient: bool = False
) -> list[tuple[int, int]]:
    """Pairs (i, j), increasing in both, of the highest total similarity; a pair needs `threshold`.

    Where totals tie, a pair is taken first, then a truth row skipped, so the result does not
    depend on how the floating-point maximum happened to be reached.
    """
    n, m = len(truth), len(got)
    if not n or not m:
        return []
    sim = [[row_similarity(t, g, lenient) for g in got] for t in truth]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]  # best[i][j]: over truth[i:] and got[j:]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            value = max(best[i + 1][j], best[i][j + 1])
            if sim[i][j] >= threshold:
                value = max(value, sim[i][j] + best[i + 1][j + 1])
            best[i][j] = value
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if sim[i][j] >= threshold and abs(best[i][j] - (sim[i][j] + best[i + 1][j + 1])) < TIE:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif abs(best[i][j] - best[i + 1][j]) < TIE:
            i += 1
        else:
            j += 1
    return pairs


def _by_code(rows: Sequence[Row], lenient: bool) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for k, row in enumerate(rows):
        groups.setdefault(printed(row.get("project_code"), lenient), []).append(k)
    return groups


def pair_rows(truth: Sequence[Row], got: Sequence[Row], lenient: bool = False) -> list[tuple[int, int]]:
    """(truth index, export index) for the rows of one document.

    1. same project code: aligned on 三级指标 (threshold 0.5);
    2. codes on one side only: paired by code similarity or an equal project name (≥ 0.75, best
       first), then aligned as in 1, so a misread code costs that field and no more;
    3. whatever is left, in document order, names closer (0.8).
    """
    t_groups, g_groups = _by_code(truth, lenient), _by_code(got, lenient)
    pairs: list[tuple[int, int]] = []
    used_t: set[int] = set()
    used_g: set[int] = set()

    def pair(t_idx: Iterable[int], g_idx: Iterable[int], threshold: float) -> None:
        ts = [i for i in t_idx if i not in used_t]
        gs = [j for j in g_idx if j not in used_g]
        for a, b in align([truth[i] for i in ts], [got[j] for j in gs], threshold, lenient):
            pairs.append((ts[a], gs[b]))
            used_t.add(ts[a])
            used_g.add(gs[b])

    for code, t_idx in t_groups.items():
        if code and code in g_groups:
            pair(t_idx, g_groups[code], 0.5)

    left_t = [c for c in t_groups if not c or c not in g_groups]
    left_g = [c for c in g_groups if not c or c not in t_groups]
    candidates = []
    for ct in left_t:
        t_name = printed(truth[t_groups[ct][0]].get("project_name"), lenient)
        for cg in left_g:
            g_name = printed(got[g_groups[cg][0]].get("project_name"), lenient)
            alike = max(similarity(ct, cg), 1.0 if t_name and t_name == g_name else 0.0)
            if alike >= 0.75:
                candidates.append((alike, ct, cg))
    taken_t: set[str] = set()
    taken_g: set[str] = set()
    for _, ct, cg in sorted(candidates, key=lambda c: -c[0]):  # stable: ties in document order
        if ct not in taken_t and cg not in taken_g:
            taken_t.add(ct)
            taken_g.add(cg)
            pair(t_groups[ct], g_groups[cg], 0.5)

    pair(range(len(truth)), range(len(got)), 0.8)
    return pairs


# --------------------------------------------------------------------------- scoring


@dataclass
class Tally:
    """Counts for a document, a family or everything; the figures are ratios of them."""

    docs: int = 0
    found: int = 0
    truth_rows: int = 0
    export_rows: int = 0
    matched: int = 0
    fields_ok: int = 0
    fields_total: int = 0
    errors: Counter[str] = field(default_factory=Counter, repr=False)  # field → wrong values
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list), repr=False)

    def add(self, other: Tally) -> None:
        for name in ("docs", "found", "truth_rows", "export_rows", "matched", "fields_ok", "fields_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.update(other.errors)
        for name, lines in other.examples.items():
            self.examples[name].extend(lines)

    @property
    def field_accuracy(self) -> float:
        return self.fields_ok / self.fields_total if self.fields_total else 0.0

    @property
    def row_recall(self) -> float:
        return self.matched / self.truth_rows if self.truth_rows else 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.export_rows if self.export_rows else 0.0


@dataclass(frozen=True)
class Report:
    families: dict[str, Tally]  # scored families, sorted by name
    overall: Tally  # every family, rows on bad inputs and on unknown documents included
    documents: tuple[tuple[str, Tally], ...]  # (file, tally) per truth document
    unknown_rows: int  # rows whose document_sha256 is in no truth
    skipped_rows: int  # rows of families not selected
    notes: tuple[str, ...]  # bad inputs and duplicates, as the scorer prints them
    stale: tuple[str, ...]  # truths whose sha256 is not that of their PDF (the PDF's is used)

    @property
    def summary(self) -> str:
        o = self.overall
        return f"overall field accuracy {o.field_accuracy:.4f} (row recall {o.row_recall:.4f}, precision {o.precision:.4f})"

    def table(self) -> list[str]:
        """The header, one line per family and the overall line."""
        lines = [f"{'family':8} {'docs':>9} {'truth':>6} {'export':>7} {'matched':>7} {'recall':>7} {'precis.':>7} {'fieldacc':>8}"]  # fmt: skip
        for name, t in [*self.families.items(), ("overall", self.overall)]:
            lines.append(
                f"{name:8} {t.found:4d}/{t.docs:<4d} {t.truth_rows:6d} {t.export_rows:7d} {t.matched:7d} "
                f"{t.row_recall:7.4f} {t.precision:7.4f} {t.field_accuracy:8.4f}"
            )
        return lines

    def lines(self) -> list[str]:
        """The whole report; the last line is `summary`."""
        out = []
        if self.skipped_rows:
            out.append(f"  ({self.skipped_rows} rows belong to families not selected and were ignored)")
        out += ["", *self.table()]
        if self.unknown_rows:
            out.append(f"  {self.unknown_rows} export rows carry a document_sha256 that is in no truth file "
                       "(counted as false positives)")  # fmt: skip
        out += self.notes
        for name, t in [*self.families.items(), ("overall", self.overall)]:
            if not t.docs:
                continue
            out += ["", f"[{name}] worst fields (errors among {t.matched} matched rows; "
                        f"{t.truth_rows - t.matched} truth rows missed):"]  # fmt: skip
            out += [] if t.errors else ["  none"]
            for f, n in t.errors.most_common(10):
                out.append(f"  {f:17} {n:6d}  ({n / max(1, t.matched):.1%})")
                out += [f"      {ex}" for ex in t.examples[f][:3]]
        worst = sorted(self.documents, key=lambda d: d[1].field_accuracy)[:5]
        if worst and worst[0][1].field_accuracy < 1.0:
            out += ["", "worst documents:"]
            out += [f"  {file:32} field acc {t.field_accuracy:.4f}  recall {t.row_recall:.4f}  "
                    f"precision {t.precision:.4f}" for file, t in worst]  # fmt: skip
        return [*out, "", self.summary]


def _short(value: Any, n: int = 40) -> str:
    s = "" if value is None else str(value).replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def _difference(truth: Any, got: Any, n: int = 40) -> tuple[str, str]:
    """Both values shortened, starting a little before their first difference when that is far in."""
    a, b = ("" if v is None else str(v) for v in (truth, got))
    first = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, first - 8) if first > n - 10 else 0
    lead = "…" if start else ""
    return lead + _short(a[start:], n), lead + _short(b[start:], n)


def score_document(doc: TruthDocument, rows: Sequence[Row], lenient: bool = False) -> Tally:
    """One truth document against the rows exported for it (already one source name)."""
    tally = Tally(docs=1, found=int(bool(rows)), truth_rows=len(doc.rows), export_rows=len(rows))
    tally.fields_total = sum(len(fields_of(r)) for r in doc.rows)
    for ti, gi in pair_rows(doc.rows, rows, lenient):
        tally.matched += 1
        want, got = doc.rows[ti], rows[gi]
        for name in fields_of(want):
            if same(name, want.get(name), got.get(name), lenient):
                tally.fields_ok += 1
                continue
            tally.errors[name] += 1
            if not tally.examples[name]:  # one example per field and document
                t, g = _difference(want.get(name), got.get(name))
                tally.examples[name].append(
                    f"{Path(doc.file).name} {_short(want.get('project_code'), 22)} "
                    f"[{_short(want.get('level3'), 14)}]: truth={t!r} got={g!r}"
                )
    return tally


def _one_source(rows: list[Row]) -> tuple[list[Row], list[Row], Counter[str]]:
    """Rows of the source name with most rows, the others (a duplicate stored twice), the counts."""
    names = Counter(str(r.get("source_name")) for r in rows)
    keep = names.most_common(1)[0][0] if rows else ""
    return (
        [r for r in rows if str(r.get("source_name")) == keep],
        [r for r in rows if str(r.get("source_name")) != keep],
        names,
    )


def _bad_input_notes(
    bad: Sequence[BadInput], by_sha: Mapping[str | None, list[Row]], exported: list[str]
) -> list[str]:
    """What became of the bad inputs: rows for files that must yield none, duplicates stored twice."""
    if not bad:
        return []
    must_be_empty = sum(
        len(by_sha.get(b.sha256, [])) for b in bad if not b.expect.startswith("duplicate_of:")
    )
    notes = ["", f"bad inputs: {len(bad)} files; rows exported for files that must yield none: "
                 f"{must_be_empty}" + ("  (ok)" if not must_be_empty else ""), *exported]  # fmt: skip
    for b in bad:
        if b.expect.startswith("duplicate_of:"):
            names = sorted({str(r.get("source_name")) for r in by_sha.get(b.sha256, [])})
            status = "stored once" if len(names) <= 1 else f"STORED {len(names)} TIMES"
            notes.append(f"  duplicate {b.file} of {b.expect.split(':', 1)[1]}: {status} "
                         f"(source names with rows: {names or '-'})")  # fmt: skip
    notes.append("  (whether each bad file was rejected with a clear error is not visible in an export; "
                 "check the run log)")  # fmt: skip
    return notes


def score(
    root: Path, records: Iterable[Row], layouts: Iterable[str] | None = None, lenient: bool = False
) -> Report:
    """An export (records as `jixiao export --format jsonl` writes them) against the truths under root."""
    truths = load_truths(root)
    wanted = set(layouts) if layouts else None
    docs = [d for d in truths.documents if wanted is None or d.family in wanted]
    bad = [b for b in truths.bad if wanted is None or "bad" in wanted]
    skipped = {d.sha256 for d in truths.documents} | {b.sha256 for b in truths.bad}
    skipped -= {d.sha256 for d in docs} | {b.sha256 for b in bad}

    by_sha: dict[str | None, list[Row]] = defaultdict(list)
    skipped_rows = 0
    for r in records:
        sha = str(r.get("document_sha256") or "").lower()
        if sha in skipped:
            skipped_rows += 1
        else:
            by_sha[sha].append(r)

    families = {name: Tally() for name in sorted({d.family for d in docs})}
    per_doc = []
    duplicates = []
    for doc in docs:
        rows, extra, names = _one_source(by_sha.get(doc.sha256, []))
        tally = score_document(doc, rows, lenient)
        if extra:
            tally.export_rows += len(extra)
            duplicates.append(f"  duplicate: {doc.file}: stored under {len(names)} names {sorted(names)}; "
                              f"{len(extra)} extra rows counted as false positives")  # fmt: skip
        per_doc.append((doc.file, tally))
        families[doc.family].add(tally)

    doc_shas = {d.sha256 for d in docs}
    bad_by_sha = {b.sha256: b for b in bad}
    bad_rows = unknown = 0
    bad_exported = []
    for sha, rows in by_sha.items():
        if sha in doc_shas:
            continue
        if sha in bad_by_sha:
            bad_rows += len(rows)
            b = bad_by_sha[sha]
            bad_exported.append(f"  {b.file} (expect {b.expect}): {len(rows)} rows exported")
        else:
            unknown += len(rows)
    overall = Tally()
    for tally in families.values():
        overall.add(tally)
    overall.export_rows += bad_rows + unknown

    notes = _bad_input_notes(bad, by_sha, bad_exported) + duplicates
    return Report(families, overall, tuple(per_doc), unknown, skipped_rows, tuple(notes), truths.stale)


# --------------------------------------------------------------------------- command line


def read_export(path: Path) -> list[dict[str, Any]]:
    """One record per non-empty line; a line that is not JSON is reported and left out."""
    rows = []
    lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines(): U+2028 may be text
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                print(f"warning: line {n}: {exc}", file=sys.stderr)
    return rows


def write_export(path: Path, records: Iterable[Row]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tests.scoring",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("export", nargs="?", type=Path)
    ap.add_argument(
        "--root", type=Path, required=True, help="the folder with truth/<family>/*.json and the PDFs"
    )
    ap.add_argument("--layouts", help="comma list: only score these families")
    ap.add_argument(
        "--lenient", action="store_true", help="fold full-width forms and operator look-alikes first"
    )
    ap.add_argument(
        "--emit-truth-export", type=Path, metavar="OUT", help="write the truth as an export and exit"
    )
    a = ap.parse_args(argv)
    if a.emit_truth_export:
        n = write_export(a.emit_truth_export, truth_export(a.root))
        docs = len(load_truths(a.root).documents)
        print(f"wrote {n} rows for {docs} documents to {a.emit_truth_export}")
        return 0
    if a.export is None:
        ap.error("EXPORT.jsonl is required")
    layouts = a.layouts.split(",") if a.layouts else None
    records = read_export(a.export)
    report = score(a.root, records, layouts, a.lenient)
    for file in report.stale:
        print(f"warning: {file} sha256 differs from its truth file", file=sys.stderr)
    print(
        f"export: {a.export}  rows={len(records)}  truth root: {a.root}"
        + (f"  layouts={sorted(layouts)}" if layouts else "")
    )
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
