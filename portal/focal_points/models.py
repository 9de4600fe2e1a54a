"""Servidores indicados (metas 1.1, 1.2, 2.1): the FocalPoint rows and their purposes."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db
from portal.institutions.models import Institution

FOCAL_POINT_PURPOSES = {
    "acompanhamento": "Acompanhamento da execução",
    "painel": "Painel Gerencial",
    "multiplicador": "Multiplicador",
}


class FocalPoint(db.Model):
    """A servidor an institution names (metas 1.1, 1.2, 2.1). Rows are never deleted:
    removing one ends it, editing ends it and creates its successor, so history stays."""

    __tablename__ = "focal_points"
    __table_args__ = (
        db.Index("ix_focal_points_institution_ended", "institution_id", "ended_at"),
        db.Index("ix_focal_points_purpose_access", "purpose", "access_granted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    cpf: Mapped[str] = mapped_column(String(11))  # digits only
    phone: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(254))
    # Meta 1.3: SEGES registers the Painel Gerencial responsible and marks access granted.
    access_granted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    access_granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("focal_points.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    institution: Mapped[Institution] = relationship()
    access_granted_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[access_granted_by_id])
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    ended_by: Mapped["User | None"] = relationship(foreign_keys=[ended_by_id])  # noqa: F821

    @property
    def purpose_label(self) -> str:
        return FOCAL_POINT_PURPOSES.get(self.purpose, self.purpose)

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    def __repr__(self) -> str:
        return f"<FocalPoint {self.purpose} {self.name}>"
