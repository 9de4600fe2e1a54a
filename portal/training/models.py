"""Training records: courses a partner delivered, counted toward the hours target of meta 2.2."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db

MODALITIES = {"presencial": "Presencial", "distancia": "A distância", "hibrido": "Híbrido"}
MAX_HOURS = 2000


class TrainingRecord(db.Model):
    """A course an institution delivered, with an optional evidence file (list of attendance…)."""

    __tablename__ = "training_records"
    __table_args__ = (db.Index("ix_training_records_institution_start", "institution_id",
                               "start_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    title: Mapped[str] = mapped_column(String(300))
    start_on: Mapped[date]
    end_on: Mapped[date]
    hours: Mapped[int]
    participants: Mapped[int] = mapped_column(default=0)
    modality: Mapped[str] = mapped_column(String(12))
    stored_name: Mapped[str | None] = mapped_column(String(64), index=True)
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(db.BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    institution: Mapped["Institution"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def modality_label(self) -> str:
        return MODALITIES.get(self.modality, self.modality)

    def __repr__(self) -> str:
        return f"<TrainingRecord {self.title} {self.hours}h>"
