"""Rules of the partner workspace: drafting, evidence, submitting, and what is due (also each
goal's next deadline and latest report on an agreement's page)."""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from sqlalchemy import case, func
from werkzeug.datastructures import FileStorage

from portal.agreements.models import Agreement, Goal
from portal.agreements.services import axis_names
from portal.core import audit, cache, charts
from portal.core.clock import as_utc, local_date
from portal.core.database import insert_once
from portal.core.exceptions import Conflict, DomainError
from portal.core.models import AuditEvent, utcnow
from portal.core.storage import max_upload_bytes, storage
from portal.deliverables import lifecycle
from portal.deliverables.lifecycle import (
    EDITABLE_STATUSES,
    GROUP_LABELS,
    STATE_LABELS,
    STATE_TONES,
    Group,
    Source,
    State,
    state_of,
)
from portal.deliverables.models import (
    MAX_FILES_PER_VERSION,
    Deliverable,
    Evidence,
    Review,
    Submission,
)
from portal.extensions import db
from portal.forum import search
from portal.forum.models import Topic

GROUPS = lifecycle.GROUP_LABELS

# The audit actions shown on a deliverable's timeline, with their labels.
TIMELINE_LABELS = {
    "deliverable.draft_started": "Rascunho iniciado",
    "deliverable.submitted": "Enviada para análise",
    "deliverable.returned": "Devolvida pela SEGES",
    "deliverable.approved": "Aprovada pela SEGES",
    "deliverable.waived": "Dispensada pela SEGES",
    "deliverable.unwaived": "Dispensa desfeita",
    "deliverable.completed_by_seges": "Concluída pela SEGES (ato registrado)",
    "evidence.uploaded": "Arquivo anexado",
    "evidence.link_added": "Link adicionado",
    "evidence.removed": "Evidência removida",
}


# What is due ------------------------------------------------------------------


def group_condition(group: str, today: date):
    """SQL condition for one tab of "Minhas entregas" (the lifecycle's one rule)."""
    return _group_column(today) == lifecycle.Group(group).value


def _group_column(today: date):
    return lifecycle.group_expr(
        today, Deliverable.status, Deliverable.due_on, Deliverable.deadline_source)


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
        query = query.where(lifecycle.in_year(
            date(year, 1, 1), date(year, 12, 31), Deliverable.due_on, Deliverable.opens_on,
            Deliverable.deadline_source))
    return query


def _goals_with_axis(institution_id: int, axis: int) -> list[int]:
    """Ids of the goals this institution owes that belong to ``axis`` (a few dozen at most)."""
    owed = db.select(Deliverable.goal_id).where(Deliverable.institution_id == institution_id)
    rows = db.session.execute(db.select(Goal.id, Goal.axes).where(Goal.id.in_(owed)))
    return [goal_id for goal_id, axes in rows if axis in axes]


def group_counts(base_query, today: date) -> dict[str, int]:
    """Counts per tab in one aggregate query."""
    subquery = base_query.with_only_columns(
        Deliverable.status, Deliverable.due_on, Deliverable.deadline_source).subquery()
    group = lifecycle.group_expr(
        today, subquery.c.status, subquery.c.due_on, subquery.c.deadline_source)
    rows = dict(db.session.execute(db.select(group, func.count()).group_by(group)).all())
    return {key.value: rows.get(key.value, 0) for key in lifecycle.Group}


# Eixos as the plan groups its metas: 1, 2, 3 and "eixos combinados" (C.1…), each goal once;
# named as SEGES names the eixos.
def axis_groups() -> dict[str, str]:
    return {**{str(axis): f"Eixo {axis} — {name}" for axis, name in axis_names().items()},
            "combinados": "Eixos combinados"}


def axis_group(axes: list[int]) -> str:
    return str(axes[0]) if len(axes) == 1 else "combinados"


@dataclass(frozen=True)
class AxisProgress:
    key: str
    label: str
    counts: lifecycle.Counts

    @property
    def approved(self) -> int:
        return self.counts.done

    @property
    def due(self) -> int:
        return self.counts.due

    @property
    def percent(self) -> int:
        return self.counts.percent


def progress_by_axis(institution_id: int, today: date) -> list[AxisProgress]:
    """Approved ÷ due to date per eixo group: each goal counted once, so the groups add up
    to the totals shown by the panel and the annual report."""
    columns = lifecycle.count_columns(
        today, Deliverable.status, Deliverable.due_on, Deliverable.deadline_source)
    rows = db.session.execute(
        db.select(Goal.axes, *columns)
        .join(Deliverable.goal)
        .where(Deliverable.institution_id == institution_id)
        .group_by(Goal.id)
    )
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for axes, *values in rows:
        total = totals[axis_group(axes)]
        for index, value in enumerate(values):
            total[index] += value
    return [AxisProgress(key, label, lifecycle.Counts(*totals[key]))
            for key, label in axis_groups().items() if key != "combinados" or key in totals]


def counts_for(institution_id: int, today: date) -> lifecycle.Counts:
    """The institution's numbers on ``today`` (the same expressions as every other page)."""
    columns = lifecycle.count_columns(
        today, Deliverable.status, Deliverable.due_on, Deliverable.deadline_source)
    row = db.session.execute(
        db.select(*columns).where(Deliverable.institution_id == institution_id)).one()
    return lifecycle.Counts(*row)


def years_of(institution_id: int) -> list[int]:
    first, last = db.session.execute(
        db.select(func.min(Deliverable.due_on), func.max(Deliverable.due_on)).where(
            Deliverable.institution_id == institution_id
        )
    ).one()
    return list(range(first.year, last.year + 1)) if first else []


def timeline(deliverable: Deliverable, limit: int = 200) -> list[AuditEvent]:
    """The deliverable's lifecycle as the audit trail recorded it, oldest first."""
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(
                AuditEvent.object_type == "Deliverable",
                AuditEvent.object_id == deliverable.id,
                AuditEvent.action.in_(TIMELINE_LABELS),
            )
            .order_by(AuditEvent.created_at, AuditEvent.id)
            .limit(limit)
        )
    )


_QUESTION_ORDER = (Topic.solved.desc(), Topic.last_post_at.desc(), Topic.id.desc())


def questions_about(goal: Goal, limit: int = 5) -> list:
    """Forum topics about this goal, in any agreement (same code): solved first, then recent.

    Which ones is kept per code (``cache``) until a topic or goal changes (the forum's
    ``forum-search`` version): finding them ranks every topic about the code — 320 goals
    share a code at federation size, and PostgreSQL scanned the 50,000 topics to do it (8 ms)
    on every visit to a deliverable. The topics are then read by id."""
    ids = cache.cached(f"questions-about:{goal.code}:{limit}", [search.VERSION],
                       lambda: _question_ids(goal.code, limit))
    return list(db.session.scalars(
        db.select(Topic).where(Topic.id.in_(ids)).order_by(*_QUESTION_ORDER)))


def _question_ids(code: str, limit: int) -> list[int]:
    # The ids first, on the topics table alone: sorting the eager-joined rows (author, last
    # poster, their institutions) of every topic about this goal took 0.6 s at 50,000 topics.
    same_code = db.select(Goal.id).where(Goal.code == code)
    return list(db.session.scalars(
        db.select(Topic.id).where(Topic.goal_id.in_(same_code)).order_by(*_QUESTION_ORDER)
        .limit(limit)))


# An agreement's goals: next deadline and latest report -------------------------


@dataclass(frozen=True)
class NextDue:
    """A goal's next deadline: its earliest deliverable still owed, late ones included."""

    due_on: date
    state: State
    followup: bool  # SEGES's relato de acompanhamento, not the plan's own deadline

    @property
    def is_late(self) -> bool:
        return self.state in (State.LATE, State.FOLLOWUP_LATE)

    @property
    def marker(self) -> tuple[str, str] | None:
        """(label, tone) of the tag shown next to the date, if any."""
        if self.state in (State.LATE, State.FOLLOWUP_LATE, State.RETURNED):
            return STATE_LABELS[self.state], STATE_TONES[self.state]
        if self.followup:
            return GROUP_LABELS[Group.FOLLOWUP], "muted"
        return None


def next_due_dates(
    agreement: Agreement, *, today: date, institution_id: int | None = None
) -> dict[int, NextDue]:
    """Each goal's earliest deliverable still owed (not sent, approved or waived), of one
    owner or of any, in one query. A late item comes first, so the page shows it with its
    date instead of skipping to the next future one; on equal dates the plan's (or a SEGES
    default's) deadline wins over a follow-up."""
    followup_last = case((Deliverable.deadline_source == Source.FOLLOWUP, 1), else_=0)
    rank = func.row_number().over(
        partition_by=Deliverable.goal_id,
        order_by=(Deliverable.due_on, followup_last, Deliverable.id),
    )
    ranked = (
        db.select(
            Deliverable.goal_id,
            Deliverable.due_on,
            Deliverable.status,
            Deliverable.deadline_source,
            rank.label("rank"),
        )
        .join(Goal, Deliverable.goal_id == Goal.id)
        .where(
            Goal.agreement_id == agreement.id,
            Deliverable.status.in_(tuple(EDITABLE_STATUSES)),
        )
    )
    if institution_id is not None:
        ranked = ranked.where(Deliverable.institution_id == institution_id)
    ranked = ranked.subquery()
    columns = (ranked.c.goal_id, ranked.c.due_on, ranked.c.status, ranked.c.deadline_source)
    rows = db.session.execute(db.select(*columns).where(ranked.c.rank == 1)).all()
    return {
        goal_id: NextDue(
            due_on=due_on,
            state=state_of(status, due_on, source, today),
            followup=source == Source.FOLLOWUP,
        )
        for goal_id, due_on, status, source in rows
    }


@dataclass(frozen=True)
class LastReport:
    """The latest report sent on a goal (a continuous one shows it instead of a deadline)."""

    deliverable_id: int
    submitted_on: date
    status: str  # the submission's: submitted, approved or returned

    @property
    def label(self) -> str:
        return {"submitted": "em análise", "approved": "aprovado",
                "returned": "devolvido"}.get(self.status, self.status)


def last_reports(agreement: Agreement, *, institution_id: int | None = None
                 ) -> dict[int, LastReport]:
    """Each goal's most recently sent submission (and where its review stands), one query."""
    rank = func.row_number().over(
        partition_by=Deliverable.goal_id,
        order_by=(Submission.submitted_at.desc(), Submission.id.desc()),
    )
    ranked = (
        db.select(Deliverable.goal_id, Deliverable.id.label("deliverable_id"),
                  Submission.submitted_at, Submission.status, rank.label("rank"))
        .join(Submission, Submission.deliverable_id == Deliverable.id)
        .join(Goal, Deliverable.goal_id == Goal.id)
        .where(Goal.agreement_id == agreement.id, Submission.submitted_at.is_not(None))
    )
    if institution_id is not None:
        ranked = ranked.where(Deliverable.institution_id == institution_id)
    ranked = ranked.subquery()
    rows = db.session.execute(
        db.select(ranked.c.goal_id, ranked.c.deliverable_id, ranked.c.submitted_at,
                  ranked.c.status).where(ranked.c.rank == 1)).all()
    return {goal_id: LastReport(deliverable_id, local_date(submitted_at), status)
            for goal_id, deliverable_id, submitted_at, status in rows}


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


def with_page_context(deliverable: Deliverable) -> Deliverable:
    """The deliverable with what its pages show around it — goal, agreement, institution —
    loaded (again, after a rollback expired them): templates never query."""
    return db.session.scalars(
        db.select(Deliverable)
        .where(Deliverable.id == deliverable.id)
        .options(db.joinedload(Deliverable.goal).joinedload(Goal.agreement)
                 .joinedload(Agreement.parent),
                 db.joinedload(Deliverable.institution))
        .execution_options(populate_existing=True)
    ).one()


def latest_version(deliverable: Deliverable) -> Submission | None:
    """The newest version, with its evidence."""
    return db.session.scalar(
        db.select(Submission)
        .options(db.selectinload(Submission.evidence))
        .where(Submission.deliverable_id == deliverable.id)
        .order_by(Submission.version.desc())
        .limit(1)
    )


def is_editable(deliverable: Deliverable) -> bool:
    return deliverable.status in lifecycle.EDITABLE_STATUSES


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
        draft, _created = _create_version(deliverable.id, 1, author_id=by.id if by else None)
    lifecycle.start_draft(deliverable, by=by, version=draft.version)
    return draft


# Another request finished first with something other than a draft (it sent the version).
RACE_LOST = ("Esta entrega acabou de ser alterada por outra pessoa. Recarregue a página e "
             "confira antes de continuar.")


def _create_version(deliverable_id: int, version: int, **values) -> tuple[Submission, bool]:
    """Version ``version`` of the deliverable, created once however many requests race to
    create it (the unique ``(deliverable_id, version)``): a request that loses the race uses
    the row the winner committed, and sees the deliverable as the winner left it.
    Returns the draft and whether this request created it."""
    created = insert_once(Submission, ["deliverable_id", "version"], deliverable_id=deliverable_id,
                          version=version, status="draft", **values)
    draft = db.session.scalar(
        db.select(Submission)
        .where(Submission.deliverable_id == deliverable_id, Submission.version == version)
        .execution_options(populate_existing=True)
    )
    if draft is None:  # the winner rolled back after our insert gave way: try again
        raise Conflict(RACE_LOST)
    if not created:
        deliverable = db.session.get(Deliverable, deliverable_id)
        if deliverable is not None:
            db.session.refresh(deliverable)
        if not draft.is_draft:
            raise Conflict(RACE_LOST)
    return draft, created


def start_new_version(previous: Submission) -> Submission:
    """A returned version's successor: same text, period and evidence, ready to be corrected
    (created once, like the first draft, however many requests race to create it).

    Files are shared, not copied: a stored file is deleted only when no version uses it.
    """
    draft, created = _create_version(
        previous.deliverable_id,
        previous.version + 1,
        author_id=previous.author_id,
        report=previous.report,
        covers_from=previous.covers_from,
        covers_to=previous.covers_to,
    )
    if not created:  # the winner copied the evidence
        return draft
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
    db.session.flush()
    return draft


# Automatic saves while someone types leave one audit row per this much continuous editing.
AUTOSAVE_AUDIT_EVERY = timedelta(minutes=10)


def save_draft(
    deliverable: Deliverable,
    *,
    by,
    report: str,
    covers_from: date | None,
    covers_to: date | None,
    automatic: bool = False,
) -> Submission:
    """Save the draft's text and period. An unchanged draft records nothing; an automatic
    save (the page saving while the person types) records one audit row per
    ``AUTOSAVE_AUDIT_EVERY`` of that person's editing."""
    if covers_from and covers_to and covers_from > covers_to:
        raise DomainError("O início do período deve ser anterior ao fim.", field="covers_to")
    draft = open_draft(deliverable, by=by)
    values = (report or "", covers_from, covers_to)
    if values == (draft.report, draft.covers_from, draft.covers_to):
        return draft
    draft.report, draft.covers_from, draft.covers_to = values
    if not (automatic and _saved_recently(deliverable, by)):
        audit.record(
            "deliverable.draft_saved", deliverable, actor=by, version=draft.version,
            **({"automatic": True} if automatic else {}),
        )
    db.session.flush()
    return draft


def _saved_recently(deliverable: Deliverable, by) -> bool:
    last = db.session.scalar(
        db.select(AuditEvent)
        .where(AuditEvent.object_type == "Deliverable", AuditEvent.object_id == deliverable.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return (
        last is not None
        and last.action == "deliverable.draft_saved"
        and last.actor_id == by.id
        and utcnow() - as_utc(last.created_at) < AUTOSAVE_AUDIT_EVERY
    )


def add_files(deliverable: Deliverable, files: list[FileStorage], *, by) -> list[Evidence]:
    """Attach every file, or none: the first refusal stops and says why, and the request
    is rolled back, files already stored by it included (``core.storage``). The draft's text
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
        evidence = Evidence(kind="file", uploaded_by_id=by.id, **asdict(stored))
        draft.evidence.append(evidence)
        audit.record(
            "evidence.uploaded",
            deliverable,
            actor=by,
            name=stored.original_name,
            size=stored.size,
            sha256=stored.sha256,
        )
        added.append(evidence)
    db.session.flush()
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
    db.session.flush()
    return evidence


def remove_evidence(evidence: Evidence, *, by) -> None:
    submission = evidence.submission
    if not submission.is_draft:
        raise Conflict("Evidências de uma versão enviada não podem ser removidas.")
    stored_name = evidence.stored_name
    audit.record("evidence.removed", submission.deliverable, actor=by, name=evidence.label)
    db.session.delete(evidence)
    db.session.flush()
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
    lifecycle.submit(deliverable, by=by, version=latest.version, files=len(latest.files),
                     links=len(latest.links))
    db.session.flush()
    return latest


# The partner home's timeline ------------------------------------------------------------------

_MONTHS = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")
TIMELINE_COLOURS = {Source.PLAN: "#1351b4", Source.DEFAULT: "#1351b4", Source.FOLLOWUP: "#b35c00"}
TIMELINE_SERIES = {
    Source.PLAN: "Prazo do plano ou prazo padrão da SEGES",
    Source.DEFAULT: "Prazo do plano ou prazo padrão da SEGES",
    Source.FOLLOWUP: "Relato de acompanhamento pedido pela SEGES",
}


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def timeline_deliverables(base_query, today: date) -> list[Deliverable]:
    """The home list's deliverables (``base_query``, with its filters) due from today until
    12 months later, waived ones apart, by date."""
    end = _months_later(today, 12)
    query = base_query.where(
        Deliverable.due_on >= today, Deliverable.due_on < end,
        Deliverable.status != lifecycle.Status.WAIVED,
    ).order_by(Deliverable.due_on, Deliverable.id)
    return list(db.session.scalars(query))


def home_timeline(base_query, today: date, *, width: int = 640):
    """The year ahead as an SVG timeline (portal.core.charts.Chart): one dot per dated
    deliverable on its due date (several on a day are stacked), today marked at the left,
    SEGES's follow-ups in their own colour. Marks' ``category`` is the deliverable's id."""
    items = timeline_deliverables(base_query, today)
    end = _months_later(today, 12)
    left, right, radius, gap = 12, 12, 6, 3
    axis_y, label_y = 20, 14
    plot_w, span = width - left - right, (end - today).days
    stack: dict[date, int] = defaultdict(int)
    marks, sources = [], set()
    for d in items:
        level = stack[d.due_on]
        stack[d.due_on] += 1
        x = left + plot_w * (d.due_on - today).days / span
        y = axis_y + 14 + level * (2 * radius + gap)
        source = Source(d.deadline_source)
        sources.add(TIMELINE_SERIES[source])
        tip = (f"{d.due_on:%d/%m/%Y} — Meta {d.goal.code}: {d.period_label} "
               f"({TIMELINE_SERIES[source].lower()}; {d.state_label(today).lower()})")
        marks.append(charts.Mark(round(x - radius, 2), round(y, 2), 2 * radius, 2 * radius,
                                 TIMELINE_COLOURS[source], tip, 1, TIMELINE_SERIES[source],
                                 str(d.id)))
    height = axis_y + 14 + max(stack.values(), default=1) * (2 * radius + gap) + 8
    lines = [charts.Line(left, axis_y, width - right, axis_y, charts.BORDER)]
    labels = []
    month = date(today.year, today.month, 1)
    while (month := _months_later(month, 1)) < end:
        x = round(left + plot_w * (month - today).days / span, 2)
        lines.append(charts.Line(x, axis_y - 4, x, height - 4, charts.GRID))
        labels.append(charts.Label(x, label_y, f"{_MONTHS[month.month - 1]}/{month:%y}",
                                   "middle", 11))
    lines.append(charts.Line(left, axis_y - 8, left, height - 4, "#d0210f", 2, True))
    labels.append(charts.Label(left + 2, height - 6, "Hoje", "start", 11, True))
    legend = [charts.Series(name, colour) for source, colour in TIMELINE_COLOURS.items()
              if (name := TIMELINE_SERIES[source]) in sources and source != Source.DEFAULT]
    rows = tuple(
        (f"{d.due_on:%d/%m/%Y}", f"Meta {d.goal.code} — {d.period_label}",
         TIMELINE_SERIES[Source(d.deadline_source)], d.state_label(today))
        for d in items
    )
    count = len(items)
    title = "Os próximos 12 meses: prazos das entregas"
    description = (
        f"Linha do tempo de hoje, {today:%d/%m/%Y}, até {end:%d/%m/%Y}: "
        + (f"{count} {'entrega' if count == 1 else 'entregas'} com prazo, um ponto por entrega "
           "na data do prazo; os relatos de acompanhamento pedidos pela SEGES têm cor própria."
           if count else "nenhuma entrega com prazo nesse período.")
    )
    return charts.Chart(
        id="linha-do-tempo", title=title, description=description, width=width,
        height=height,
        table=charts.DataTable(title, ("Prazo", "Entrega", "Origem do prazo", "Situação"), rows),
        marks=tuple(marks), labels=tuple(labels), lines=tuple(lines),
        series=tuple(legend) if TIMELINE_SERIES[Source.FOLLOWUP] in sources else (),
        note="Dispensadas não aparecem. Passe o mouse sobre um ponto para ver a entrega.",
    )
