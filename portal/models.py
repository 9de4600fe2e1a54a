"""Imports every model so that ``db.metadata`` knows all tables (used by Alembic and tests)."""

from portal.agreements.models import Agreement, AgreementParty, Deliverable, Goal, Institution
from portal.auth.models import User
from portal.core.models import AuditEvent
from portal.deliverables.models import Evidence, Submission
from portal.forum.models import Category, Post, PostRevision, Report, Topic, TopicRead, Watch
from portal.notifications.models import Notification

__all__ = [
    "Agreement", "AgreementParty", "AuditEvent", "Deliverable", "Goal", "Institution", "User",
    "Evidence", "Submission", "Category", "Notification", "Post", "PostRevision", "Report", "Topic", "TopicRead", "Watch",
]
