"""Agreements (ACT, Acordo de Cooperação, Termo/Acordo de Adesão), their partícipes and the
goals of their work plans, with the vocabularies they use (kinds, axes, responsible, roles)."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db
from portal.institutions.models import Institution

AGREEMENT_KINDS = {
    "ACT": "Acordo de Cooperação Técnica",
    "AC": "Acordo de Cooperação",
    "TA": "Termo de Adesão",
    "AA": "Acordo de Adesão",
}
ADHESION_KINDS = frozenset({"TA", "AA"})

# The Rede's eixos as the portal first named them (migration 0017 put them in the ``axes``
# table). SEGES renames them there: read names with ``agreements.services.axis_names()``.
AXES = {1: "Melhoria da Gestão", 2: "Capacitação", 3: "Comunicação e Transparência"}
AXIS_NAME_MAX = 120

RESPONSIBLE = {"seges": "SEGES", "partner": "Partícipe", "both": "SEGES e partícipe"}

# Roles a goal plays in the portal's features, whatever its code in the plan.
GOAL_ROLES = {
    "meetings": "Recebe as convocações de reuniões técnicas",
    "forums": "Recebe as convocações de fóruns",
    "focal_points": "Reúne os servidores indicados para acompanhar o Acordo",
    "training_hours": "Conta as horas de capacitação (mínimo anual)",
    "annual_report": "Relatório Anual da Rede (um por ano, da SEGES)",
}


class Agreement(db.Model):
    """An instrument (ACT, Acordo de Cooperação, Termo/Acordo de Adesão) and its term."""

    __tablename__ = "agreements"
    __table_args__ = (db.UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))
    number: Mapped[str | None] = mapped_column(String(40))
    work_plan_number: Mapped[str | None] = mapped_column(String(40))
    sei_process: Mapped[str | None] = mapped_column(String(20))
    object: Mapped[str] = mapped_column(db.Text, default="")
    signed_on: Mapped[date | None]
    term_start: Mapped[date | None]
    term_end: Mapped[date | None]
    axes: Mapped[list] = mapped_column(JSON, default=list)
    # The partner party: the first-layer partícipe of an ACT, or the adherent of an adhesion.
    partner_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    # The signed instrument (PDF), when uploaded: stored like evidence (random name, by content).
    document_stored_name: Mapped[str | None] = mapped_column(String(64))
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_size: Mapped[int | None] = mapped_column(db.BigInteger)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    # Adhesions point at the agreement they adhere to.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    partner: Mapped[Institution] = relationship(lazy="joined")
    # Loaded with the agreements (one query per batch): an adhesion's title names its parent.
    parent: Mapped["Agreement | None"] = relationship(remote_side=[id], lazy="selectin",
                                                      join_depth=1)
    parties: Mapped[list["AgreementParty"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.position"
    )
    goals: Mapped[list["Goal"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Goal.position"
    )

    @property
    def kind_label(self) -> str:
        return AGREEMENT_KINDS.get(self.kind, self.kind)

    @property
    def own_title(self) -> str:
        """The instrument alone: "ACT nº 160/2025", "Termo de Adesão nº 12/2026", or
        "Termo de Adesão" for an adhesion with no number of its own (never "TA" or "—")."""
        kind = self.kind_label if self.is_adhesion else self.kind
        number = f" nº {self.number}" if self.number else ""
        return f"{kind}{number}"

    @property
    def title(self) -> str:
        """How the portal names it: an adhesion with what it adheres to, "Termo de Adesão
        nº 12/2026 (ao ACT nº 160/2025)" or "Termo de Adesão (ao ACT nº 160/2025)"."""
        if self.is_adhesion and self.parent is not None:
            return f"{self.own_title} (ao {self.parent.own_title})"
        return self.own_title

    @property
    def full_title(self) -> str:
        """Its page's heading: the kind written out, "Acordo de Cooperação Técnica
        nº 160/2025"; an adhesion as :attr:`title`."""
        if self.is_adhesion:
            return self.title
        number = f" nº {self.number}" if self.number else ""
        return f"{self.kind_label}{number}"

    @property
    def is_adhesion(self) -> bool:
        return self.kind in ADHESION_KINDS

    def status_on(self, day: date) -> str:
        if self.term_start is None or day < self.term_start:
            return "a_iniciar"
        if self.term_end is not None and day > self.term_end:
            return "encerrado"
        return "vigente"

    def __repr__(self) -> str:
        return f"<Agreement {self.title}>"


AGREEMENT_STATUS = {"vigente": "Vigente", "a_iniciar": "A iniciar", "encerrado": "Encerrado"}


class Axis(db.Model):
    """An eixo of the Rede (1 Melhoria da Gestão, 2 Capacitação, 3 Comunicação e
    Transparência): the portal's own name for it, which SEGES may edit. Plans name their
    eixos as they like (and with typos); goals point at the number."""

    __tablename__ = "axes"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(AXIS_NAME_MAX))

    @property
    def id(self) -> int:
        """The number, under the name the audit trail and the URLs use."""
        return self.number

    def __repr__(self) -> str:
        return f"<Axis {self.number} {self.name}>"


class AgreementParty(db.Model):
    """A partícipe of an agreement and who signed for it."""

    __tablename__ = "agreement_parties"
    __table_args__ = (db.UniqueConstraint("agreement_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    signatory_name: Mapped[str | None] = mapped_column(String(200))
    signatory_role: Mapped[str | None] = mapped_column(String(200))
    signatory_registration: Mapped[str | None] = mapped_column(String(60))

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    institution: Mapped[Institution] = relationship(lazy="joined")


class Goal(db.Model):
    """A meta/etapa of the work plan, with its prazo turned into a structured schedule."""

    __tablename__ = "goals"
    __table_args__ = (
        db.UniqueConstraint("agreement_id", "code"),
        db.Index("ix_goals_code", "code"),  # topics about a goal's code, across agreements
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(default=0)
    axes: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(db.Text)
    deadline_text: Mapped[str] = mapped_column(String(300), default="")
    schedule: Mapped[dict] = mapped_column(JSON, default=dict)
    responsible: Mapped[str] = mapped_column(String(10))
    applies_to_adherents: Mapped[bool] = mapped_column(default=False)
    # What the portal does with this goal beyond its schedule (GOAL_ROLES): set by the
    # importer from the goal's prazo and text, editable by SEGES. Never keyed to a code.
    roles: Mapped[list] = mapped_column(JSON, default=list)

    agreement: Mapped[Agreement] = relationship(back_populates="goals")

    @property
    def axes_label(self) -> str:
        return " e ".join(str(a) for a in self.axes)

    @property
    def main_axis(self) -> int:
        return self.axes[0] if self.axes else 0

    @property
    def min_hours(self) -> int | None:
        return self.schedule.get("min_hours")

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])

    def __repr__(self) -> str:
        return f"<Goal {self.code}>"
