"""Meetings and forums SEGES convenes (metas 1.7, 3.4) and its requests for information."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db


@dataclass(frozen=True)
class EventKind:
    """A kind of event and how Portuguese agrees with it: "Reunião técnica convocada",
    "Fórum regional convocado", "registrar a reunião técnica", "registrar o Fórum Nacional".

    ``label`` opens a sentence or a cell; ``in_sentence`` is the same name inside a sentence
    (a proper name, "Fórum Nacional", keeps its capitals).
    """

    label: str
    feminine: bool
    in_sentence: str

    def agree(self, masculine: str, feminine: str) -> str:
        """The word of this kind's gender: ``agree("convocado", "convocada")``."""
        return feminine if self.feminine else masculine

    @property
    def with_article(self) -> str:
        """"a reunião técnica", "o fórum regional", "o Fórum Nacional"."""
        return f"{self.agree('o', 'a')} {self.in_sentence}"

    @property
    def convened(self) -> str:
        """"Reunião técnica convocada", "Fórum Nacional convocado"."""
        return f"{self.label} {self.agree('convocado', 'convocada')}"


EVENT_KINDS = {
    "reuniao_tecnica": EventKind("Reunião técnica", feminine=True, in_sentence="reunião técnica"),
    "forum_nacional": EventKind("Fórum Nacional", feminine=False, in_sentence="Fórum Nacional"),
    "forum_regional": EventKind("Fórum regional", feminine=False, in_sentence="fórum regional"),
}
# A kind no longer offered (or mistyped in old data) still reads as a sentence.
UNKNOWN_EVENT_KIND = EventKind("Evento", feminine=False, in_sentence="evento")


def event_kind(code: str | None) -> EventKind:
    return EVENT_KINDS.get(code or "", UNKNOWN_EVENT_KIND)
AUDIENCES = {
    "todos": "Todos os parceiros",
    "elo": "Parceiros de um elo",
    "uf": "Parceiros de uma UF",
    "escolhidos": "Instituições escolhidas",
}


class Event(db.Model):
    """A meeting or forum SEGES convenes; each invitee gets the deliverable of 1.7 or 3.4."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(500))
    agenda: Mapped[str] = mapped_column(db.Text, default="")
    audience: Mapped[str] = mapped_column(String(12))
    audience_value: Mapped[str | None] = mapped_column(String(40))
    include_adherents: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def event_kind(self) -> EventKind:
        return event_kind(self.kind)

    @property
    def kind_label(self) -> str:
        return self.event_kind.label

    @property
    def is_forum(self) -> bool:
        return self.kind.startswith("forum")

    @property
    def event_key(self) -> str:
        return f"evento-{self.id}"

    def is_over(self, now: datetime) -> bool:
        ends = self.ends_at if self.ends_at.tzinfo else self.ends_at.replace(tzinfo=UTC)
        return ends < now

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title}>"


class EventInvitation(db.Model):
    """An institution invited to an event: its confirmation and whether it attended."""

    __tablename__ = "event_invitations"
    __table_args__ = (db.UniqueConstraint("event_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    attended: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()
    institution: Mapped["Institution"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<EventInvitation {self.event_id}:{self.institution_id}>"


class InfoRequest(db.Model):
    """"Encaminhar as ações realizadas" (meta 3.5): one deliverable per partner asked."""

    __tablename__ = "info_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(db.Text, default="")
    due_on: Mapped[date]
    audience: Mapped[str] = mapped_column(String(12))
    audience_value: Mapped[str | None] = mapped_column(String(40))
    include_adherents: Mapped[bool] = mapped_column(default=True)
    recipients: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def event_key(self) -> str:
        return f"solicitacao-{self.id}"

    def __repr__(self) -> str:
        return f"<InfoRequest {self.id} {self.title}>"
