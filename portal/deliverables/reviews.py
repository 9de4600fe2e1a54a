"""SEGES's side of a submission: the review queue, decisions, the diff since a return, waivers."""

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, func, update
from sqlalchemy.orm import contains_eager, joinedload

from portal.agreements.models import Agreement, Goal
from portal.auth.models import User
from portal.core import cache
from portal.core.clock import local_date, local_today, start_of_local_day
from portal.core.exceptions import Conflict, DomainError
from portal.core.formatting import format_datetime
from portal.deliverables import lifecycle, services, signals
from portal.deliverables.models import DECISIONS, REASONS, Deliverable, Review, Submission
from portal.extensions import db
from portal.institutions.models import Institution


class AlreadyDecided(Conflict):
    """Another reviewer decided first; ``review`` says who and what."""

    def __init__(self, review: Review | None):
        self.review = review
        if review is None:
            message = "Esta versão não está mais aguardando análise."
        else:
            who = review.reviewer.name if review.reviewer else "outra pessoa"
            message = (
                f"{who} já analisou esta entrega em {format_datetime(review.created_at)}: "
                f"{review.decision_label.lower()}. Sua decisão não foi registrada."
            )
        super().__init__(message)


# The queue ----------------------------------------------------------------------


def queue_query(
    *,
    partner: str | None = None,
    elo: str | None = None,
    uf: str | None = None,
    axis: int | None = None,
    goal_code: str | None = None,
    waiting_days: int | None = None,
    today: date,
):
    """Submitted versions waiting for a decision, oldest first, each with its deliverable's
    goal, agreement (a partner may owe the same goal under several) and institution."""
    deliverable = contains_eager(Submission.deliverable)
    query = (
        db.select(Submission)
        .join(Submission.deliverable)
        .join(Deliverable.goal)
        .join(Goal.agreement)
        .join(Deliverable.institution)
        .where(Submission.status == "submitted", Deliverable.status == "submitted")
        .options(
            deliverable.contains_eager(Deliverable.goal).contains_eager(Goal.agreement)
            .selectinload(Agreement.parent),
            deliverable.contains_eager(Deliverable.institution),
        )
        .order_by(Submission.submitted_at, Submission.id)
    )
    if partner:
        term = partner.lower()
        query = query.where(
            func.lower(Institution.name).contains(term, autoescape=True)
            | func.lower(Institution.acronym).contains(term, autoescape=True)
        )
    if elo:
        query = query.where(Institution.elo == elo)
    if uf:
        query = query.where(Institution.uf == uf)
    if axis:
        # axes is a short JSON list of single digits (1–3): its text contains the digit.
        query = query.where(cast(Goal.axes, String).contains(str(axis)))
    if goal_code:
        query = query.where(Goal.code == goal_code)
    if waiting_days:
        query = query.where(
            Submission.submitted_at < start_of_local_day(today - timedelta(days=waiting_days))
        )
    return query


QUEUE_VERSION = "review-queue"


def queue_count(query, filters: dict) -> int:
    """How many rows ``query`` (:func:`queue_query` with ``filters``) has: counting joins
    every waiting submission to four tables, so the count is kept until a submission or
    deliverable changes status (or a name or goal a filter reads changes)."""
    return cache.cached(f"queue-count:{_filters_key(filters)}", (QUEUE_VERSION,),
                        lambda: db.session.scalar(db.select(func.count()).select_from(
                            query.order_by(None).subquery())))


def _queue_versions(objects: list) -> set[str]:
    changed = any(not isinstance(o, Submission | Deliverable) or cache.status_changed(o)
                  for o in objects)
    return {QUEUE_VERSION} if changed else set()


cache.track((Submission, Deliverable, Goal, Institution), _queue_versions, bulk=[QUEUE_VERSION])

# The queue's rendered pages show more than what counts: dates, versions, names and titles.
QUEUE_ROWS_VERSION = "review-queue-rows"


def _queue_rows_versions(objects: list) -> set[str]:
    shown = any(not (isinstance(o, Submission) and o.is_draft) for o in objects)
    return {QUEUE_ROWS_VERSION} if shown else set()  # a partner's draft is never in it


cache.track((Submission, Deliverable, Goal, Institution, Agreement), _queue_rows_versions,
            bulk=[QUEUE_ROWS_VERSION])


def kept_queue_page(filters: dict, page: int, compute):
    """``compute()`` (a rendered page of the queue with ``filters``) kept until anything it
    shows changes."""
    return cache.cached(f"queue-page:{_filters_key(filters)}:{page}", (QUEUE_ROWS_VERSION,),
                        compute)


def _filters_key(filters: dict) -> str:
    return ":".join(f"{k}={v}" for k, v in sorted(filters.items()))


def waiting_days(submitted_at: datetime, today: date | None = None) -> int:
    """Whole days a submission has waited, both ends in the users' calendar; never negative.

    ``submitted_at`` is a UTC instant: its UTC date runs a day ahead of Brasília from 21:00
    there, so it is turned into the local date before comparing with the local today.
    """
    today = local_today() if today is None else today
    return max(0, (today - local_date(submitted_at)).days)


def waiting_count() -> int:
    """How many deliverables wait for a decision (kept like :func:`queue_count`)."""
    return cache.cached("waiting-count", (QUEUE_VERSION,), lambda: db.session.scalar(
        db.select(func.count(Deliverable.id)).where(Deliverable.status == "submitted")) or 0)


@dataclass(frozen=True)
class QueuePreview:
    """The head of the review queue, for SEGES's home: how many wait, and the oldest."""

    count: int
    oldest: list[Submission]

    @property
    def more(self) -> int:
        """How many wait beyond the ones shown."""
        return max(0, self.count - len(self.oldest))


def queue_preview(today: date, limit: int = 10) -> QueuePreview:
    oldest = list(db.session.scalars(queue_query(today=today).limit(limit)))
    return QueuePreview(count=waiting_count(), oldest=oldest)


def naming_agreements(query):
    """A list of deliverables that names each one's agreement: SEGES owes the same goal under
    every agreement, so its rows differ by agreement only (loaded in the same query)."""
    return query.options(joinedload(Deliverable.goal).joinedload(Goal.agreement)
                         .joinedload(Agreement.parent))


# Deciding -----------------------------------------------------------------------


def decision_problems(
    decision: str | None, reason_code: str | None, comment: str | None
) -> dict[str, str]:
    """Everything wrong with a decision as typed, field by field (all of them at once, so
    the reviewer fixes the form in one go): a return needs a reason and a comment."""
    problems: dict[str, str] = {}
    if decision not in DECISIONS:
        problems["decision"] = "Escolha aprovar ou devolver."
    if decision == "returned":
        if reason_code not in REASONS:
            problems["reason_code"] = "Escolha o motivo da devolução."
        if not (comment or "").strip():
            problems["comment"] = (
                "Explique ao parceiro o que corrigir: o comentário é obrigatório ao devolver."
            )
    elif reason_code and reason_code not in REASONS:
        problems["reason_code"] = "Motivo inválido."
    return problems


def decide(
    submission: Submission,
    *,
    by: User,
    decision: str,
    reason_code: str | None = None,
    comment: str = "",
) -> Review:
    """Approve or return a submitted version. The first decision wins; nothing is overwritten."""
    comment = (comment or "").strip()
    if submission.submitted_by_id == by.id:
        raise DomainError(
            "Quem enviou a entrega não pode analisá-la: peça a outra pessoa da SEGES."
        )
    problems = decision_problems(decision, reason_code, comment)
    if problems:  # the view shows them all; a caller that skipped it gets the first
        field_name, message = next(iter(problems.items()))
        raise DomainError(message, field=field_name)

    claimed = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == "submitted")
        .values(status=decision)
    ).rowcount
    if claimed != 1:
        raise AlreadyDecided(
            db.session.scalar(db.select(Review).where(Review.submission_id == submission.id))
        )
    review = Review(
        submission_id=submission.id,
        reviewer_id=by.id,
        decision=decision,
        reason_code=reason_code if decision == "returned" else None,
        comment=comment,
    )
    db.session.add(review)
    deliverable = db.session.get(Deliverable, submission.deliverable_id)
    lifecycle.decided(deliverable, decision, by=by, version=submission.version,
                      reason=review.reason_label or None, comment=comment or None)
    if decision == "returned":  # the partner finds the next version ready to correct
        services.start_new_version(submission)
    signals.submission_decided.send(deliverable, review=review)
    db.session.flush()
    db.session.refresh(deliverable)
    return review


# Waivers ------------------------------------------------------------------------


def waive(deliverable: Deliverable, *, by: User, reason: str) -> None:
    lifecycle.waive(deliverable, by=by, reason=reason)
    db.session.flush()


def undo_waiver(deliverable: Deliverable, *, by: User) -> None:
    lifecycle.unwaive(deliverable, by=by)
    db.session.flush()


# What changed since the version SEGES returned ---------------------------------------


@dataclass
class Changes:
    returned: Submission
    review: Review
    words: list[tuple[str, str]] = field(default_factory=list)  # (equal|insert|delete, text)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    links_added: list[str] = field(default_factory=list)
    links_removed: list[str] = field(default_factory=list)
    period_changed: bool = False


def changes_since_return(submission: Submission) -> Changes | None:
    """For a resubmission: the difference from the returned version, with its review."""
    previous = db.session.scalar(
        db.select(Submission).where(
            Submission.deliverable_id == submission.deliverable_id,
            Submission.version == submission.version - 1,
        )
    )
    review = previous.review if previous is not None else None
    if review is None or review.decision != "returned":
        return None
    changes = Changes(
        returned=previous, review=review, words=word_diff(previous.report, submission.report)
    )
    old_files = {(e.sha256, e.original_name) for e in previous.files}
    new_files = {(e.sha256, e.original_name) for e in submission.files}
    changes.files_added = sorted(name for _, name in new_files - old_files)
    changes.files_removed = sorted(name for _, name in old_files - new_files)
    old_links, new_links = {e.url for e in previous.links}, {e.url for e in submission.links}
    changes.links_added, changes.links_removed = (
        sorted(new_links - old_links),
        sorted(old_links - new_links),
    )
    changes.period_changed = (previous.covers_from, previous.covers_to) != (
        submission.covers_from,
        submission.covers_to,
    )
    return changes


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level difference: runs of equal, inserted and deleted text."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", "".join(b[j1:j2])))
    return out
