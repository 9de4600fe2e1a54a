"""Imports every model so that ``db.metadata`` knows all tables (used by Alembic and tests)."""

from portal.agreements.models import Agreement, AgreementParty, Deliverable, Goal, Institution
from portal.auth.models import User
from portal.core.models import AuditEvent

__all__ = [
    "Agreement", "AgreementParty", "AuditEvent", "Deliverable", "Goal", "Institution", "User",
]
