"""Rules of the private calendar feed: its token (only the hash is kept), what it holds and
the iCalendar (RFC 5545) text calendar apps read."""

import hashlib
import secrets
import textwrap
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import joinedload

from portal.agreements.models import Goal
from portal.calendar_feed.models import CalendarFeed
from portal.core import audit, ics
from portal.core.clock import zone
from portal.core.models import utcnow
from portal.core.urls import external_url, path_for, public_base
from portal.deliverables.lifecycle import Source, Status
from portal.deliverables.models import Deliverable
from portal.deliverables.services import deliverables_query
from portal.events.models import Event
from portal.events.services import events_query
from portal.extensions import db

CALENDAR_NAME = "Rede de Parcerias — prazos e eventos"
SOURCE_WORDS = {
    Source.PLAN: "prazo do plano",
    Source.DEFAULT: "prazo padrão da SEGES",
    Source.FOLLOWUP: "relato de acompanhamento pedido pela SEGES",
}


# The token -----------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_of(user) -> CalendarFeed | None:
    return db.session.scalar(db.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create(user) -> str:
    """A new random address for ``user``'s feed, replacing the old one (which stops at once).
    Returns the token, which is shown once and never stored in clear."""
    token = secrets.token_urlsafe(32)
    feed = feed_of(user)
    replaced = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = token_hash(token)
    feed.created_at = utcnow()
    db.session.flush()
    audit.record("calendar_feed.regenerated" if replaced else "calendar_feed.created", feed,
                 actor=user, institution_id=user.institution_id)
    return token


def revoke(user) -> bool:
    """Remove ``user``'s feed (its address answers 404 from now on); False when none."""
    feed = feed_of(user)
    if feed is None:
        return False
    audit.record("calendar_feed.revoked", feed, actor=user, institution_id=user.institution_id)
    db.session.delete(feed)
    db.session.flush()
    return True


def user_for(token: str):
    """The active user whose feed has this token, or None."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(
        db.select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token)))
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def feed_url(token: str) -> str:
    return external_url(path_for("calendar_feed.feed", token=token))


# What the feed holds --------------------------------------------------------------------------


def deliverables_for(user) -> list[Deliverable]:
    """The dated deliverables the user's institution owes (for SEGES users, SEGES's own):
    the home's query, without the waived ones."""
    query = (deliverables_query(user.institution_id)
             .where(Deliverable.status != Status.WAIVED)
             .options(joinedload(Deliverable.goal).joinedload(Goal.agreement)))
    return list(db.session.scalars(query.order_by(Deliverable.due_on, Deliverable.id)))


def events_for(user) -> list[Event]:
    """The meetings and forums the user's institution is invited to."""
    return list(db.session.scalars(events_query(user.institution_id)))


def summary(deliverable: Deliverable) -> str:
    goal = deliverable.goal
    words = SOURCE_WORDS.get(Source(deliverable.deadline_source), "")
    text = textwrap.shorten(" ".join(goal.description.split()), 80, placeholder="…")
    return f"Meta {goal.code} — {text} ({words})"


def _host() -> str:
    return urlsplit(public_base()).hostname or "portal-rede-parcerias"


def items_for(user) -> list[ics.CalendarItem]:
    host = _host()
    items = []
    for d in deliverables_for(user):
        lines = [f"Período: {d.period_label}", f"Situação: {d.status_label}",
                 f"Origem do prazo: {d.deadline_origin}"]
        if user.is_seges and d.goal.agreement is not None:
            lines.insert(0, f"Instrumento: {d.goal.agreement.title}")
        url = external_url(path_for("deliverables.deliverable", deliverable_id=d.id))
        items.append(ics.CalendarItem(
            uid=f"deliverable-{d.id}@{host}", start=d.due_on, end=d.due_on,
            summary=summary(d), description="\n".join(lines), url=url))
    for event in events_for(user):
        url = external_url(path_for("events.event", event_id=event.id))
        items.append(ics.CalendarItem(
            uid=f"event-{event.id}@{host}", start=event.starts_at, end=event.ends_at,
            summary=f"{event.kind_label}: {event.title}", location=event.place,
            description=event.agenda.strip(), url=url))
    return items


def calendar_text(user, now: datetime | None = None) -> str:
    """The feed: all-day items on each deliverable's due date and the events at their local
    times (America/Sao_Paulo, with its VTIMEZONE), each with a stable UID."""
    return ics.calendar(items_for(user), name=CALENDAR_NAME, now=now, zone=zone(),
                        refresh=timedelta(hours=1))
