"""Writing audit events in the same transaction as the change they describe."""

from flask import has_request_context, request
from flask_login import current_user

from portal.core.models import AuditEvent
from portal.extensions import db


def record(
    action: str, obj=None, *, actor=None, institution_id: int | None = None, **details
) -> AuditEvent:
    """Add an AuditEvent to the current session; the caller's commit persists both."""
    if obj is not None and getattr(obj, "id", 0) is None:
        db.session.add(obj)
        db.session.flush()  # new objects need their id in the trail
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if institution_id is None:
        institution_id = _institution_of(obj) or getattr(actor, "institution_id", None)
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        institution_id=institution_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        ip=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event


def _institution_of(obj) -> int | None:
    if obj is None:
        return None
    if type(obj).__name__ == "Institution":
        return obj.id
    return getattr(obj, "institution_id", None)
