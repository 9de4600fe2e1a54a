"""The Rede's course schedule: courses and their classes (meta 3.2)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db
from portal.training.models import MODALITIES


class Course(db.Model):
    """A course of the Rede (eixos 2 e 3), offered in classes (turmas)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(db.Text, default="")
    hours: Mapped[int]
    modality: Mapped[str] = mapped_column(String(12), index=True)
    audience: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def modality_label(self) -> str:
        return MODALITIES.get(self.modality, self.modality)

    def __repr__(self) -> str:
        return f"<Course {self.title}>"


class CourseClass(db.Model):
    """A turma: when enrollment is open, when it runs, where, and where to enrol."""

    __tablename__ = "course_classes"
    __table_args__ = (db.Index("ix_course_classes_ends_starts", "ends_on", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    enrollment_opens_on: Mapped[date]
    enrollment_closes_on: Mapped[date]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    seats: Mapped[int | None]
    place: Mapped[str] = mapped_column(String(500), default="")
    enrollment_url: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")

    def enrollment_open(self, today: date) -> bool:
        return self.enrollment_opens_on <= today <= self.enrollment_closes_on

    def __repr__(self) -> str:
        return f"<CourseClass {self.course_id} {self.starts_on}>"
