"""Notification rules: create, count, mark as read."""

from sqlalchemy import func

from portal.core.models import utcnow
from portal.extensions import db
from portal.notifications.models import Notification


def notify(user, kind: str, message: str, url: str | None = None) -> Notification:
    """Add a notification for ``user`` to the session; the caller's commit persists it."""
    notification = Notification(
        user_id=user.id if hasattr(user, "id") else int(user),
        kind=kind,
        message=message[:500],
        url=url,
    )
    db.session.add(notification)
    return notification


def for_user(user):
    return (
        db.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(
            Notification.read_at.is_not(None),
            Notification.created_at.desc(),
            Notification.id.desc(),
        )
    )


def unread_count(user) -> int:
    return (
        db.session.scalar(
            db.select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.commit()


def mark_all_read(user) -> int:
    result = db.session.execute(
        db.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return result.rowcount
