"""Reading the e-mail outbox for its page (sending is ``core.mail``'s worker side)."""

from sqlalchemy import func

from portal.core.mail import resend
from portal.core.models import OutboxMessage
from portal.extensions import db

__all__ = ["FILTERS", "STATUS_LABELS", "counts", "messages_query", "resend"]

STATUS_LABELS = {
    OutboxMessage.QUEUED: "Na fila",
    OutboxMessage.SENDING: "Enviando",
    OutboxMessage.SENT: "Enviado",
    OutboxMessage.FAILED: "Falha definitiva",
}
FILTERS = {
    "pendentes": ("Com falha ou na fila", (OutboxMessage.FAILED, OutboxMessage.QUEUED,
                                           OutboxMessage.SENDING)),
    "falhas": ("Com falha definitiva", (OutboxMessage.FAILED,)),
    "enviados": ("Enviados", (OutboxMessage.SENT,)),
}


def messages_query(shown: str):
    """Failed first, then the oldest waiting; sent ones newest first."""
    statuses = FILTERS[shown][1]
    query = db.select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
    if shown == "enviados":
        return query.order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
    failed_first = (OutboxMessage.status != OutboxMessage.FAILED)
    return query.order_by(failed_first, OutboxMessage.created_at, OutboxMessage.id)


def counts() -> dict[str, int]:
    rows = db.session.execute(
        db.select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return dict(rows.all())
