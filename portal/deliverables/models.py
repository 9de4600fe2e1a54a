"""Deliverables (a goal's concrete obligations), their submissions and evidence."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.agreements.models import Goal
from portal.core.models import utcnow
from portal.deliverables.lifecycle import (
    SOURCE_LABELS,
    STATE_LABELS,
    STATE_TONES,
    STATUS_LABELS,
    Source,
    State,
    Status,
    state_of,
)
from portal.extensions import db
from portal.institutions.models import Institution

MAX_FILES_PER_VERSION = 20
DELIVERABLE_STATUS = {status.value: label for status, label in STATUS_LABELS.items()}
__all__ = ["DELIVERABLE_STATUS", "Deliverable", "Evidence", "Review", "Submission"]


class Deliverable(db.Model):
    """One concrete obligation of a goal for the institution that owes it (see lifecycle)."""

    __tablename__ = "deliverables"
    __table_args__ = (
        db.UniqueConstraint("goal_id", "institution_id", "period_key"),
        db.Index("ix_deliverables_institution_due", "institution_id", "due_on"),
        db.Index("ix_deliverables_status_due", "status", "due_on"),
        # Event deliverables are looked up by their key (who answered a request, a meeting).
        db.Index("ix_deliverables_period_key", "period_key"),
        db.Index("ix_deliverables_due_on", "due_on"),  # the annual report's year filters
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    period_key: Mapped[str] = mapped_column(String(70))
    period_label: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default=Status.PENDING.value)
    # Where the date comes from (lifecycle.Source) and, unless it is the plan's own words,
    # the rule that set it, as users read it ("15 dias úteis após a reunião — …").
    deadline_source: Mapped[str] = mapped_column(String(10), default=Source.PLAN.value)
    deadline_rule: Mapped[str | None] = mapped_column(String(300))
    # Set while SEGES has waived it (dispensada): why, and the status to restore on undo.
    waiver_reason: Mapped[str | None] = mapped_column(String(500))
    status_before_waiver: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    goal: Mapped[Goal] = relationship(lazy="joined")
    institution: Mapped[Institution] = relationship()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[Status(self.status)]

    def state(self, today: date) -> State:
        return state_of(self.status, self.due_on, self.deadline_source, today)

    def state_label(self, today: date) -> str:
        return STATE_LABELS[self.state(today)]

    def state_tone(self, today: date) -> str:
        return STATE_TONES[self.state(today)]

    @property
    def is_followup(self) -> bool:
        return self.deadline_source == Source.FOLLOWUP

    @property
    def deadline_origin(self) -> str:
        """Where the date comes from, in the words users read."""
        if self.deadline_source == Source.PLAN:
            words = self.goal.deadline_text if self.goal else ""
            return f"{words} — prazo do Plano de Trabalho" if words else SOURCE_LABELS[Source.PLAN]
        return self.deadline_rule or SOURCE_LABELS[Source(self.deadline_source)]

    def __repr__(self) -> str:
        return f"<Deliverable {self.goal_id}:{self.institution_id}:{self.period_key}>"


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

    deliverable: Mapped["Deliverable"] = relationship()
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


class DeadlineSettings(db.Model):
    """SEGES's rules for the dates the plan does not set (one row for the whole Rede).

    Read through :func:`portal.deliverables.deadlines.current`; every screen that shows a
    date made from these rules says it is SEGES's, not the plan's.
    """

    __tablename__ = "deadline_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Days to report after a meeting (1.7), a forum (3.4), a course-schedule change (3.2).
    meeting_days: Mapped[int] = mapped_column(default=15)
    forum_days: Mapped[int] = mapped_column(default=15)
    course_change_days: Mapped[int] = mapped_column(default=30)
    business_days: Mapped[bool] = mapped_column(default=True)
    # The yearly relato de acompanhamento of continuous obligations: due this many days
    # before the annual report's closing date (31/03 of the next year).
    followup_days_before_closing: Mapped[int] = mapped_column(default=30)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
