"""Submissions (versions of a deliverable's report) and their evidence."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db

MAX_FILES_PER_VERSION = 20


class Submission(db.Model):
    """One version of what an institution reports for a deliverable. Immutable once sent."""

    __tablename__ = "submissions"
    __table_args__ = (
        db.UniqueConstraint("deliverable_id", "version"),
        db.Index("ix_submissions_status_submitted_at", "status", "submitted_at"),  # review queue
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    # draft → submitted → approved | returned
    status: Mapped[str] = mapped_column(String(12), default="draft")
    report: Mapped[str] = mapped_column(db.Text, default="")
    covers_from: Mapped[date | None]
    covers_to: Mapped[date | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    deliverable: Mapped["Deliverable"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    submitted_by: Mapped["User | None"] = relationship(foreign_keys=[submitted_by_id])  # noqa: F821
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Evidence.id"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def files(self) -> list["Evidence"]:
        return [e for e in self.evidence if e.kind == "file"]

    @property
    def links(self) -> list["Evidence"]:
        return [e for e in self.evidence if e.kind == "link"]


class Evidence(db.Model):
    """A file (stored under a random name, typed by content) or a link backing a submission."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(4))  # "file" | "link"
    stored_name: Mapped[str | None] = mapped_column(String(64), index=True)
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(db.BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str | None] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="evidence")

    @property
    def label(self) -> str:
        return (self.original_name if self.kind == "file" else self.title or self.url) or ""


REASONS = {
    "insufficient_evidence": "Evidência insuficiente",
    "not_matching_goal": "Não corresponde à meta",
    "out_of_period": "Fora do período",
    "illegible": "Documento ilegível",
    "other": "Outro",
}
DECISIONS = {"approved": "Aprovada", "returned": "Devolvida"}


class Review(db.Model):
    """SEGES's decision on one submitted version. One per version: the first decision wins."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), unique=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(10))
    reason_code: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(db.Text, default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    submission: Mapped[Submission] = relationship(backref=db.backref("review", uselist=False))
    reviewer: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason_code or "", "")

    @property
    def decision_label(self) -> str:
        return DECISIONS[self.decision]
