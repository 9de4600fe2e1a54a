"""Rules of the partner workspace: drafting, evidence, submitting, and what is due."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, case, func, not_
from werkzeug.datastructures import FileStorage

from portal.agreements.models import AXES, DONE_STATUSES, Deliverable, Goal
from portal.core import audit
from portal.core.exceptions import Conflict, DomainError
from portal.core.models import utcnow
from portal.core.storage import max_upload_bytes, storage
from portal.deliverables.models import MAX_FILES_PER_VERSION, Evidence, Review, Submission
from portal.extensions import db

EDITABLE_STATUSES = frozenset({"pending", "draft", "returned"})
SOON_DAYS = 30

GROUPS = {
    "atrasadas": "Atrasadas",
    "proximas": "Próximos 30 dias",
    "depois": "Depois",
    "concluidas": "Concluídas",
}
CLOSED_STATUSES = frozenset({"submitted", *DONE_STATUSES})


# What is due ------------------------------------------------------------------


def group_condition(group: str, today: date):
    """SQL condition for one group of the "Minhas entregas" page (overdue is derived)."""
    open_ = Deliverable.status.not_in(CLOSED_STATUSES)
    soon = today + timedelta(days=SOON_DAYS)
    return {
        "atrasadas": and_(open_, Deliverable.due_on < today),
        "proximas": and_(open_, Deliverable.due_on >= today, Deliverable.due_on <= soon),
        "depois": and_(open_, Deliverable.due_on > soon),
        "concluidas": Deliverable.status.in_(CLOSED_STATUSES),
    }[group]


def deliverables_query(
    institution_id: int,
    *,
    axis: int | None = None,
    status: str | None = None,
    year: int | None = None,
):
    query = (
        db.select(Deliverable)
        .join(Deliverable.goal)
        .where(Deliverable.institution_id == institution_id)
    )
    if axis:
        query = query.where(Deliverable.goal_id.in_(_goals_with_axis(institution_id, axis)))
    if status:
        query = query.where(Deliverable.status == status)
    if year:
        query = query.where(
            Deliverable.due_on >= date(year, 1, 1), Deliverable.due_on <= date(year, 12, 31)
        )
    return query


def _goals_with_axis(institution_id: int, axis: int) -> list[int]:
    """Ids of the goals this institution owes that belong to ``axis`` (a few dozen at most)."""
    owed = db.select(Deliverable.goal_id).where(Deliverable.institution_id == institution_id)
    rows = db.session.execute(db.select(Goal.id, Goal.axes).where(Goal.id.in_(owed)))
    return [goal_id for goal_id, axes in rows if axis in axes]


def group_counts(base_query, today: date) -> dict[str, int]:
    """Counts per group in one aggregate query."""
    subquery = base_query.with_only_columns(Deliverable.status, Deliverable.due_on).subquery()
    soon = today + timedelta(days=SOON_DAYS)
    closed = subquery.c.status.in_(CLOSED_STATUSES)
    row = db.session.execute(
        db.select(
            func.count(case((and_(not_(closed), subquery.c.due_on < today), 1))),
            func.count(
                case((and_(not_(closed), subquery.c.due_on >= today, subquery.c.due_on <= soon), 1))
            ),
            func.count(case((and_(not_(closed), subquery.c.due_on > soon), 1))),
            func.count(case((closed, 1))),
        )
    ).one()
    return dict(zip(GROUPS, row, strict=True))


@dataclass(frozen=True)
class AxisProgress:
    axis: int
    label: str
    approved: int
    due: int

    @property
    def percent(self) -> int:
        return round(100 * self.approved / self.due) if self.due else 0


def progress_by_axis(institution_id: int, today: date) -> list[AxisProgress]:
    """Approved ÷ due to date per eixo (a goal of eixos 1 e 3 counts in both)."""
    rows = db.session.execute(
        db.select(
            Goal.axes,
            func.count(Deliverable.id),
            func.count(case((Deliverable.status.in_(DONE_STATUSES), 1))),
        )
        .join(Deliverable.goal)
        .where(Deliverable.institution_id == institution_id, Deliverable.due_on <= today)
        .group_by(Goal.id)
    )
    due, approved = defaultdict(int), defaultdict(int)
    for axes, total, done in rows:
        for axis in axes:
            due[axis] += total
            approved[axis] += done
    return [AxisProgress(axis, AXES[axis], approved[axis], due[axis]) for axis in AXES]


def years_of(institution_id: int) -> list[int]:
    first, last = db.session.execute(
        db.select(func.min(Deliverable.due_on), func.max(Deliverable.due_on)).where(
            Deliverable.institution_id == institution_id
        )
    ).one()
    return list(range(first.year, last.year + 1)) if first else []


def questions_about(goal: Goal, limit: int = 5) -> list:
    """Forum topics about this goal, in any agreement (same code): solved first, then recent."""
    from portal.forum.models import Topic

    order = (Topic.solved.desc(), Topic.last_post_at.desc(), Topic.id.desc())
    # The ids first, on the topics table alone: sorting the eager-joined rows (author, last
    # poster, their institutions) of every topic about this goal took 0.6 s at 50,000 topics.
    same_code = db.select(Goal.id).where(Goal.code == goal.code)
    ids = db.select(Topic.id).where(Topic.goal_id.in_(same_code)).order_by(*order).limit(limit)
    return list(db.session.scalars(db.select(Topic).where(Topic.id.in_(ids)).order_by(*order)))


# Drafting and submitting --------------------------------------------------------


def versions(deliverable: Deliverable) -> list[Submission]:
    return list(
        db.session.scalars(
            db.select(Submission)
            .where(Submission.deliverable_id == deliverable.id)
            .options(
                db.selectinload(Submission.evidence),
                db.selectinload(Submission.submitted_by),
                # Each version shows its review and reviewer: loaded together, not per version.
                db.selectinload(Submission.review).selectinload(Review.reviewer),
            )
            .order_by(Submission.version.desc())
        )
    )


def latest_version(deliverable: Deliverable) -> Submission | None:
    return db.session.scalar(
        db.select(Submission)
        .where(Submission.deliverable_id == deliverable.id)
        .order_by(Submission.version.desc())
        .limit(1)
    )


def is_editable(deliverable: Deliverable) -> bool:
    return deliverable.status in EDITABLE_STATUSES


def open_draft(deliverable: Deliverable, *, by) -> Submission:
    """The draft being edited (created on first use)."""
    if not is_editable(deliverable):
        raise Conflict("Esta entrega já foi enviada e não pode mais ser alterada.")
    latest = latest_version(deliverable)
    if latest is not None and latest.is_draft:
        draft = latest
    elif latest is not None:
        draft = start_new_version(latest)
    else:
        draft = Submission(deliverable=deliverable, version=1, status="draft", author_id=by.id)
        db.session.add(draft)
    if deliverable.status != "draft":
        deliverable.status = "draft"
        audit.record("deliverable.draft_started", deliverable, actor=by, version=draft.version)
    return draft


def start_new_version(previous: Submission) -> Submission:
    """A returned version's successor: same text, period and evidence, ready to be corrected.

    Files are shared, not copied: a stored file is deleted only when no version uses it.
    """
    draft = Submission(
        deliverable_id=previous.deliverable_id,
        version=previous.version + 1,
        status="draft",
        author_id=previous.author_id,
        report=previous.report,
        covers_from=previous.covers_from,
        covers_to=previous.covers_to,
    )
    for item in previous.evidence:
        draft.evidence.append(
            Evidence(
                kind=item.kind,
                stored_name=item.stored_name,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                url=item.url,
                title=item.title,
                uploaded_by_id=item.uploaded_by_id,
            )
        )
    db.session.add(draft)
    return draft


def save_draft(
    deliverable: Deliverable, *, by, report: str, covers_from: date | None, covers_to: date | None
) -> Submission:
    if covers_from and covers_to and covers_from > covers_to:
        raise DomainError("O início do período deve ser anterior ao fim.", field="covers_to")
    draft = open_draft(deliverable, by=by)
    draft.report = report or ""
    draft.covers_from, draft.covers_to = covers_from, covers_to
    audit.record("deliverable.draft_saved", deliverable, actor=by, version=draft.version)
    db.session.commit()
    return draft


def add_files(deliverable: Deliverable, files: list[FileStorage], *, by) -> list[Evidence]:
    """Keep each file that passes every check; the first refusal stops and says why.

    Files accepted before a refusal stay (they are valid and already saved); the draft's text
    is never touched here.
    """
    draft = open_draft(deliverable, by=by)
    store = storage()
    added: list[Evidence] = []
    for upload in files:
        if len(draft.files) >= MAX_FILES_PER_VERSION:
            raise DomainError(
                f"Cada versão aceita no máximo {MAX_FILES_PER_VERSION} arquivos. "
                "Remova algum antes de enviar outro."
            )
        stored = store.save(upload.stream, upload.filename or "", max_bytes=max_upload_bytes())
        evidence = Evidence(
            kind="file",
            stored_name=stored.stored_name,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_id=by.id,
        )
        draft.evidence.append(evidence)
        audit.record(
            "evidence.uploaded",
            deliverable,
            actor=by,
            name=stored.original_name,
            size=stored.size,
            sha256=stored.sha256,
        )
        try:
            db.session.commit()
        except Exception:
            db.session.rollback()
            store.delete(stored.stored_name)  # no file without its row
            raise
        added.append(evidence)
    return added


def add_link(deliverable: Deliverable, *, by, url: str, title: str) -> Evidence:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise DomainError("Informe um endereço que comece com http:// ou https://.", field="url")
    draft = open_draft(deliverable, by=by)
    evidence = Evidence(
        kind="link", url=url, title=(title or "").strip() or None, uploaded_by_id=by.id
    )
    draft.evidence.append(evidence)
    audit.record("evidence.link_added", deliverable, actor=by, url=url)
    db.session.commit()
    return evidence


def remove_evidence(evidence: Evidence, *, by) -> None:
    submission = evidence.submission
    if not submission.is_draft:
        raise Conflict("Evidências de uma versão enviada não podem ser removidas.")
    stored_name = evidence.stored_name
    audit.record("evidence.removed", submission.deliverable, actor=by, name=evidence.label)
    db.session.delete(evidence)
    db.session.commit()
    if stored_name and not db.session.scalar(
        db.select(Evidence.id).where(Evidence.stored_name == stored_name).limit(1)
    ):
        storage().delete(stored_name)


def submit(deliverable: Deliverable, *, by) -> Submission:
    latest = latest_version(deliverable)
    # "returned" with a draft: SEGES prepared the next version; it may be sent as it is.
    if deliverable.status not in ("draft", "returned") or latest is None or not latest.is_draft:
        raise Conflict("Não há rascunho para enviar: escreva o relato antes.")
    if not latest.report.strip():
        raise DomainError("Escreva o relato do que foi feito antes de enviar.", field="report")
    latest.status = "submitted"
    latest.submitted_at = utcnow()
    latest.submitted_by_id = by.id
    deliverable.status = "submitted"
    audit.record(
        "deliverable.submitted",
        deliverable,
        actor=by,
        version=latest.version,
        files=len(latest.files),
        links=len(latest.links),
    )
    db.session.commit()
    return latest
