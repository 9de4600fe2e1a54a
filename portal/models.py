"""Imports every model so that ``db.metadata`` knows all tables (used by Alembic and tests)."""

from portal.agreements.models import Agreement, AgreementParty, Goal
from portal.auth.models import User
from portal.calendar_feed.models import CalendarFeed
from portal.core.models import AuditEvent
from portal.courses.models import Course, CourseClass
from portal.deliverables.models import Deliverable, Evidence, Review, Submission
from portal.events.models import Event, EventInvitation, InfoRequest
from portal.focal_points.models import FocalPoint
from portal.forum.models import Category, Post, PostRevision, Report, Topic, TopicRead, Watch
from portal.institutions.models import Institution
from portal.notifications.models import Notification
from portal.reports.models import AnnualReport
from portal.training.models import TrainingRecord

__all__ = [
    "Agreement", "AgreementParty", "AnnualReport", "AuditEvent", "CalendarFeed", "Category",
    "Course", "CourseClass",
    "Deliverable", "Event", "EventInvitation", "Evidence", "FocalPoint", "Goal", "InfoRequest",
    "Institution", "Notification", "Post", "PostRevision", "Report", "Review", "Submission",
    "Topic", "TopicRead", "TrainingRecord", "User", "Watch",
]
