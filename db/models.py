"""The results database: one row per received file, per PDF, per project, per indicator, per finding.

A PDF is stored once (`Document`, unique by SHA-256); every upload of it is a `Submission`, so a
duplicate upload stays visible. Projects, indicators and document-scope findings belong to the
document and are replaced together whenever the document is (re)processed.

`db/migrations/versions/` must describe exactly these tables; `tests/db/test_migrations.py`
compares them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.status import Status
from pipeline.model import ANNUAL, PROJECT_TARGET

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SCOPE_DOCUMENT, SCOPE_CROSS = "document", "cross"

# Deterministic constraint names, identical on every backend, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Python None is stored as SQL NULL, not as the JSON text 'null'.
    type_annotation_map = {dict[str, Any]: JSON(none_as_null=True), list[str]: JSON(none_as_null=True)}


class Batch(Base):
    """One `jixiao ingest` run: the paths it was given."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sources: Mapped[list[str]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submissions: Mapped[list[Submission]] = relationship(back_populates="batch", passive_deletes=True)


class Document(Base):
    """One distinct PDF (by content) and the state of its processing."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("sha256"),
        Index(None, "status"),
        CheckConstraint(_in("status", tuple(s.value for s in Status)), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(Text)  # name of the first upload
    store_path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=Status.QUEUED.value)
    error: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(32))
    pages: Mapped[int | None] = mapped_column(Integer)
    unit_name: Mapped[str | None] = mapped_column(Text)
    budget_year: Mapped[int | None] = mapped_column(Integer)
    amount_unit: Mapped[str | None] = mapped_column(Text)
    layout: Mapped[str | None] = mapped_column(String(64))
    pipeline_version: Mapped[str | None] = mapped_column(String(64))
    # an unfinished document's owner (the run that queued or claimed it) is trusted until then;
    # past it (or when NULL), an ingest of the same bytes resumes the document
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ocr_pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # pages read from images
    notes: Mapped[list[str] | None] = mapped_column()  # what the extractor noticed, once read
    timings: Mapped[dict[str, Any] | None] = mapped_column()
    # stored (or found to hold no table) since the cross-document findings were last refreshed
    # over its units and years: its batch is not done until a refresh clears it
    across_due: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    submissions: Mapped[list[Submission]] = relationship(back_populates="document", passive_deletes=True)
    projects: Mapped[list[Project]] = relationship(
        back_populates="document", order_by="Project.ordinal", passive_deletes=True
    )


class Submission(Base):
    """One file received in a batch; `duplicate` when its bytes were already known."""

    __tablename__ = "submissions"
    __table_args__ = (Index(None, "batch_id"), Index(None, "document_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    source_name: Mapped[str] = mapped_column(Text)
    duplicate: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="submissions")
    document: Mapped[Document] = relationship(back_populates="submissions")


class Project(Base):
    """One 项目 block of a document, `ordinal` its 0-based position in the document."""

    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("document_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    goal: Mapped[str | None] = mapped_column(Text)
    unit_name: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int] = mapped_column(Integer)
    # which table the project comes from (`pipeline.model.TABLE_KINDS`); a department table's
    # project has no code and an empty name
    table_kind: Mapped[str] = mapped_column(String(32), default=PROJECT_TARGET, server_default=PROJECT_TARGET)
    info: Mapped[dict[str, Any] | None] = mapped_column()  # the info block, label -> value as printed
    evaluation: Mapped[dict[str, Any] | None] = mapped_column()  # a self-evaluation's budget block and totals

    document: Mapped[Document] = relationship(back_populates="projects")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="project", order_by="Indicator.ordinal", passive_deletes=True
    )


class Indicator(Base):
    """One indicator row, `ordinal` its 0-based position in the project as printed.

    `document_id` is kept alongside `project_id` so a document's rows can be counted and
    deleted without a join.
    """

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("project_id", "ordinal"), Index(None, "document_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    level1: Mapped[str | None] = mapped_column(Text)
    level2: Mapped[str | None] = mapped_column(Text)
    level3: Mapped[str | None] = mapped_column(Text)
    core: Mapped[bool] = mapped_column(Boolean)
    operator: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    target_this_year: Mapped[str | None] = mapped_column(Text)
    measure_unit: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float | None] = mapped_column(Float)
    weight_this_year: Mapped[float | None] = mapped_column(Float)
    page: Mapped[int] = mapped_column(Integer)
    raw: Mapped[dict[str, Any] | None] = mapped_column()
    period: Mapped[str] = mapped_column(String(16), default=ANNUAL, server_default=ANNUAL)  # or midterm
    actual: Mapped[str | None] = mapped_column(Text)  # 实际完成值 of a self-evaluation, as printed
    score: Mapped[float | None] = mapped_column(Float)  # 得分 of a self-evaluation row
    ocr_confidence: Mapped[float | None] = mapped_column(
        Float
    )  # lowest among the row's cells; NULL: text layer

    project: Mapped[Project] = relationship(back_populates="indicators")


class Finding(Base):
    """One validation finding.

    scope `document`: about one document, replaced with it. scope `cross`: judged across
    documents (Y1–Y4, `db.across`), filed on the document it is about (the later year's, the
    outlier's) and replaced by the next cross-document refresh, not by a re-store; `subject`
    holds the (unit, year) it was filed under and the other documents compared with.
    """

    __tablename__ = "findings"
    __table_args__ = (
        Index(None, "document_id", "rule"),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint(_in("scope", (SCOPE_DOCUMENT, SCOPE_CROSS)), name="scope"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    project_code: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    row: Mapped[int | None] = mapped_column(Integer)
    level3: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(16), default=SCOPE_DOCUMENT)
    subject: Mapped[dict[str, Any] | None] = mapped_column()
