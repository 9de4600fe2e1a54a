"""In-app notifications, each user's e-mail preferences, and the reminders' sent log."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import utcnow
from portal.extensions import db


class Notification(db.Model):
    """Something a user should know about, shown under "Notificações" until read."""

    __tablename__ = "notifications"
    __table_args__ = (
        db.Index("ix_notifications_user_read", "user_id", "read_at"),
        # The daily digest looks for digest notifications not yet e-mailed.
        db.Index("ix_notifications_delivery_emailed", "delivery", "emailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # How the e-mail copy goes out, decided from the user's preference when it is created:
    # "immediate", "digest" or "off" (None: created before e-mail copies existed).
    delivery: Mapped[str | None] = mapped_column(String(10))
    # When the e-mail copy was handed to the mail server (alone or in a digest).
    emailed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def __repr__(self) -> str:
        return f"<Notification {self.kind} user:{self.user_id}>"


class NotificationPreference(db.Model):
    """How one user wants the e-mail copies of one kind; no row means the kind's default."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class ReminderLog(db.Model):
    """One row per reminder (or digest) sent: its unique key makes ``reminders send``
    idempotent, and two runs at the same time cannot both send it (the second insert fails).
    """

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    run_on: Mapped[date]  # the day the reminder was for (``--today``)
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class ReminderRun(db.Model):
    """One row per successful ``reminders send`` (dry runs excluded). The next run starts from
    the day after the latest ``run_on``: days the job missed (server down, timer stopped) are
    caught up in one run, and the sent log keeps it from sending anything twice."""

    __tablename__ = "reminder_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_on: Mapped[date] = mapped_column(index=True)  # the day it ran as (``--today``)
    covered_from: Mapped[date]  # the first day whose reminders it sent (missed days included)
    sent: Mapped[int] = mapped_column(default=0)  # reminders, notices and digests sent
    finished_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
