"""The per-year text SEGES writes for the Relatório Anual (the numbers are never stored)."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db


class AnnualReport(db.Model):
    """The introduction of one year's report, in Markdown."""

    __tablename__ = "annual_reports"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    introduction: Mapped[str] = mapped_column(db.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    updated_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def id(self) -> int:
        """The year: what the audit trail records as the object's id."""
        return self.year

    def __repr__(self) -> str:
        return f"<AnnualReport {self.year}>"
