"""Writing audit events in the same transaction as the change they describe.

Reading the trail is the audit feature's (portal/audit/).
"""

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from portal.core.models import AuditEvent
from portal.extensions import db


def record(
    action: str, obj=None, *, actor=None, institution_id: int | None = None, **details
) -> AuditEvent:
    """Add an AuditEvent to the current session; the request's commit persists both."""
    if obj is not None and getattr(obj, "id", 0) is None:
        db.session.add(obj)
        db.session.flush()  # new objects need their id in the trail
    event = _event(action, obj, actor, institution_id, details)
    db.session.add(event)
    return event


def record_now(action: str, obj=None, *, actor=None, institution_id: int | None = None,
               **details) -> None:
    """Write an AuditEvent in a transaction of its own, kept although the request that
    caused it is refused and rolled back (a failed login)."""
    with Session(db.engine) as session:
        session.add(_event(action, obj, actor, institution_id, details))
        session.commit()


def _event(action: str, obj, actor, institution_id: int | None, details: dict) -> AuditEvent:
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if institution_id is None:
        institution_id = _institution_of(obj) or getattr(actor, "institution_id", None)
    return AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        institution_id=institution_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        ip=request.remote_addr if has_request_context() else None,
        details=details,
    )


def _institution_of(obj) -> int | None:
    if obj is None:
        return None
    if type(obj).__name__ == "Institution":
        return obj.id
    return getattr(obj, "institution_id", None)
