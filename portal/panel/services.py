"""Painel da Rede: the whole network at a glance, aggregated in SQL."""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import String, case, cast, func, literal, or_

from portal.agreements.models import Agreement, Goal
from portal.agreements.services import axis_names
from portal.core import cache
from portal.core.clock import local_today, start_of_local_day
from portal.core.database import stream_rows
from portal.core.pagination import RowPagination
from portal.deliverables import lifecycle
from portal.deliverables.models import Deliverable, Submission
from portal.extensions import db
from portal.institutions.models import Institution
from portal.training.models import TrainingRecord

# What the progress rows say of each partner (selected and grouped by).
PARTNER_COLUMNS = (
    Institution.id,
    Institution.name,
    Institution.acronym,
    Institution.uf,
    Institution.elo,
    Institution.sphere,
    Institution.parent_id,
)

SORTS = {
    "nome": "Nome",
    "progresso": "Progresso",
    "atrasadas": "Atrasadas",
    "aguardando": "Aguardando análise",
}


def _count_columns(today: date) -> list:
    return lifecycle.count_columns(
        today, Deliverable.status, Deliverable.due_on, Deliverable.deadline_source)


@dataclass(frozen=True)
class PanelFilters:
    elo: str | None = None
    uf: str | None = None
    sphere: str | None = None
    layer: int | None = None
    axis: int | None = None
    year: int | None = None
    q: str | None = None


def _deliverable_conditions(filters: PanelFilters) -> list:
    conditions = []
    if filters.axis:
        conditions.append(cast(Goal.axes, String).contains(str(filters.axis)))
    if filters.year:
        conditions.append(lifecycle.in_year(
            date(filters.year, 1, 1), date(filters.year, 12, 31), Deliverable.due_on,
            Deliverable.opens_on, Deliverable.deadline_source))
    return conditions


def _institution_conditions(filters: PanelFilters) -> list:
    conditions = [Institution.is_secretariat.is_(False)]
    if filters.elo:
        conditions.append(Institution.elo == filters.elo)
    if filters.uf:
        conditions.append(Institution.uf == filters.uf)
    if filters.sphere:
        conditions.append(Institution.sphere == filters.sphere)
    if filters.layer == 1:
        conditions.append(Institution.parent_id.is_(None))
    elif filters.layer == 2:
        conditions.append(Institution.parent_id.is_not(None))
    if filters.q:
        term = filters.q.lower()
        conditions.append(
            or_(
                func.lower(Institution.name).contains(term, autoescape=True),
                func.lower(Institution.acronym).contains(term, autoescape=True),
            )
        )
    return conditions


def progress_query(
    filters: PanelFilters, today: date, sort: str = "nome", descending: bool = False
):
    """One row per partner with the lifecycle's counts (see ``lifecycle.Counts``): due to
    date, approved, late, late SEGES follow-ups, waiting review, returned."""
    due, done, overdue, followup_late, waiting, returned = _count_columns(today)
    percent = case((due == 0, literal(0.0)), else_=done * 100.0 / due)
    query = (
        db.select(
            *PARTNER_COLUMNS,
            due.label("due"),
            done.label("done"),
            overdue.label("overdue"),
            followup_late.label("followup_late"),
            waiting.label("waiting"),
            returned.label("returned"),
            percent.label("percent"),
        )
        .join(Deliverable, Deliverable.institution_id == Institution.id)
        .where(*_institution_conditions(filters), *_deliverable_conditions(filters))
        .group_by(*PARTNER_COLUMNS)
    )
    key = {
        "nome": Institution.name,
        "progresso": percent,
        "atrasadas": overdue,
        "aguardando": waiting,
    }.get(sort, Institution.name)
    if filters.axis:  # the only condition on the goal
        query = query.join(Goal, Goal.id == Deliverable.goal_id)
    return query.order_by(key.desc() if descending else key, Institution.id)


class ProgressPage(RowPagination):
    """A page of :func:`progress_query` rows. Sorted by name (the default), the page's
    partners are chosen first and only theirs are aggregated: the cost of a page no longer
    grows with the whole network's deliverables. Other sorts need every partner's figures
    (one aggregate); the count never does."""

    def _by_name(self):
        filters, descending = self._query_args["filters"], self._query_args["descending"]
        owes = db.select(Deliverable.id).where(
            Deliverable.institution_id == Institution.id, *_deliverable_conditions(filters)
        )
        if filters.axis:
            owes = owes.join(Goal, Goal.id == Deliverable.goal_id)
        return db.select(Institution.id).where(
            *_institution_conditions(filters), owes.exists()
        ).order_by(Institution.name.desc() if descending else Institution.name, Institution.id)

    def _key(self, part: str) -> str:
        args = self._query_args
        return (f"panel:{part}:{args['filters']}:{args['today']}:{args['sort']}:"
                f"{args['descending']}:{self.page}:{self.per_page}")

    def _query_items(self) -> list:
        return cache.cached(self._key("rows"), (NETWORK,), self._rows)

    def _rows(self) -> list:
        if self._query_args["sort"] != "nome":
            return super()._query_items()
        ids = list(db.session.scalars(
            self._by_name().limit(self.per_page).offset(self._query_offset)))
        select = self._query_args["select"].where(Institution.id.in_(ids)).order_by(None)
        rows = {row.id: row for row in db.session.execute(select)}
        return [rows[i] for i in ids if i in rows]

    def _query_count(self) -> int:
        # Whatever the sort, the rows are the partners owing at least one matching
        # deliverable: counted without aggregating their deliverables.
        subquery = self._by_name().order_by(None).subquery()
        return cache.cached(self._key("count"), (NETWORK,), lambda: db.session.scalar(
            db.select(func.count()).select_from(subquery)) or 0)


def progress_page(
    filters: PanelFilters, today: date, sort: str = "nome", descending: bool = False,
    per_page: int | None = None,
) -> ProgressPage:
    sort = sort if sort in SORTS else "nome"
    return ProgressPage(
        select=progress_query(filters, today, sort, descending), session=db.session,
        error_out=False, per_page=per_page or current_app.config["ITEMS_PER_PAGE"],
        filters=filters, today=today, sort=sort, descending=descending,
    )


EXPORT_COLUMNS = [
    "Parceiro",
    "Sigla",
    "UF",
    "Elo",
    "Esfera",
    "Camada",
    "Com data vencida até hoje",
    "Aprovadas",
    "Progresso (%)",
    "Atrasadas (prazo do plano ou padrão SEGES)",
    "Relatos de acompanhamento atrasados (SEGES)",
    "Aguardando análise",
    "Devolvidas",
]


def export_rows(
    filters: PanelFilters, today: date, sort: str = "nome", descending: bool = False
):
    """Every row the page lists with these filters and this order (all its pages), as the
    export's cells (:data:`EXPORT_COLUMNS`)."""
    for row in stream_rows(progress_query(filters, today, sort, descending)):
        yield [
            row.name,
            row.acronym or "",
            row.uf or "",
            row.elo,
            row.sphere,
            "2ª" if row.parent_id else "1ª",
            row.due,
            row.done,
            round(row.percent),
            row.overdue,
            row.followup_late,
            row.waiting,
            row.returned,
        ]


@dataclass(frozen=True)
class Totals:
    institutions: int
    active_agreements: int
    adhesions_this_year: int
    due: int
    approved: int
    overdue: int
    followup_late: int
    waiting: int
    returned: int
    training_hours: int


def totals(filters: PanelFilters, today: date) -> Totals:
    institutions = db.session.scalar(
        db.select(func.count(Institution.id)).where(*_institution_conditions(filters))
    )
    partner = db.select(Institution.id).where(*_institution_conditions(filters))
    active = db.session.scalar(
        db.select(func.count(Agreement.id)).where(
            Agreement.partner_id.in_(partner),
            Agreement.term_start <= today,
            Agreement.term_end >= today,
        )
    )
    year = filters.year or today.year
    adhesions = db.session.scalar(
        db.select(func.count(Agreement.id)).where(
            Agreement.partner_id.in_(partner),
            Agreement.parent_id.is_not(None),
            Agreement.signed_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
    )
    counts = (
        db.select(*_count_columns(today))
        .where(Deliverable.institution_id.in_(partner), *_deliverable_conditions(filters))
    )
    if filters.axis:  # the only condition on the goal
        counts = counts.join_from(Deliverable, Goal, Goal.id == Deliverable.goal_id)
    row = db.session.execute(counts).one()
    hours = db.session.scalar(
        db.select(func.coalesce(func.sum(TrainingRecord.hours), 0)).where(
            TrainingRecord.institution_id.in_(partner),
            TrainingRecord.start_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
    )
    return Totals(institutions or 0, active or 0, adhesions or 0, *row, int(hours or 0))


# The panel's aggregates read every deliverable of the network (seconds at full size): they
# are kept (core.cache) until something they count changes anywhere in the Rede.
NETWORK = "network"



def _network_changes(objects: list) -> set[str]:
    """Any change counts, except a draft being typed (a version changes the panel when it is
    created, sent or decided: its status)."""
    changed = any(not isinstance(o, Submission) or cache.status_changed(o) for o in objects)
    return {NETWORK} if changed else set()


cache.track((Deliverable, Submission, Institution, Agreement, Goal, TrainingRecord),
            _network_changes, bulk=[NETWORK])


def _cached(compute, filters: PanelFilters, today: date):
    return cache.cached(f"panel:{compute.__name__}:{filters}:{today}", (NETWORK,),
                        lambda: compute(filters, today))


def cached_totals(filters: PanelFilters, today: date) -> Totals:
    """:func:`totals`, kept until the Rede's data changes (see :func:`_cached`)."""
    return _cached(totals, filters, today)


# The panel's pictures: one aggregate each, from the lifecycle's count columns ---------------


def _filtered(query, filters: PanelFilters, *, uf: bool = True):
    """``query`` (over deliverables joined to their institution) limited by the panel's
    filters (all but the UF when ``uf`` is False: the map shows every state)."""
    institution_filters = filters if uf else replace(filters, uf=None)
    query = query.where(*_institution_conditions(institution_filters),
                        *_deliverable_conditions(filters))
    if filters.axis:  # the only condition on the goal
        query = query.join(Goal, Goal.id == Deliverable.goal_id)
    return query


@dataclass(frozen=True)
class StateLine:
    """A UF's partners (those owing a deliverable the filters keep, as the panel's rows)
    and their counts (``lifecycle.Counts``)."""

    uf: str | None
    first_layer: int
    second_layer: int
    counts: lifecycle.Counts

    @property
    def partners(self) -> int:
        return self.first_layer + self.second_layer

    @property
    def on_time(self) -> int:
        """Of the deliverables with a date due by today, those not late."""
        return self.counts.due - self.counts.late

    @property
    def on_time_percent(self) -> float | None:
        due = self.counts.due
        return round(100 * self.on_time / due, 1) if due else None


def by_state(filters: PanelFilters, today: date) -> dict[str | None, StateLine]:
    """Per UF (None: partners with no UF, such as federal bodies), the sums of the panel's
    rows of that UF — whatever the UF filter says (the map shows every state)."""
    first = func.count(func.distinct(case((Institution.parent_id.is_(None), Institution.id))))
    second = func.count(func.distinct(case((Institution.parent_id.is_not(None),
                                            Institution.id))))
    query = (
        db.select(Institution.uf, first, second, *_count_columns(today))
        .join(Deliverable, Deliverable.institution_id == Institution.id)
        .group_by(Institution.uf)
    )
    return {
        row[0]: StateLine(row[0], row[1], row[2], lifecycle.Counts(*row[3:]))
        for row in db.session.execute(_filtered(query, filters, uf=False))
    }


MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
          "setembro", "outubro", "novembro", "dezembro")


@dataclass(frozen=True)
class MonthLine:
    """The deliverables with a date (not follow-ups, not waived) due in a month, by what a
    person sees of them today."""

    month: int
    approved: int = 0
    in_review: int = 0
    returned: int = 0
    late: int = 0
    to_do: int = 0  # pending or in draft, not yet late

    @property
    def total(self) -> int:
        return self.approved + self.in_review + self.returned + self.late + self.to_do


def by_month(filters: PanelFilters, today: date) -> tuple[int, tuple[MonthLine, ...]]:
    """The year (the filter's, or this one) and its 12 months."""
    year = filters.year or today.year
    first, last = date(year, 1, 1), date(year, 12, 31)
    month = func.extract("month", Deliverable.due_on)
    due, done, late, _followup, in_review, returned = lifecycle.count_columns(
        today, Deliverable.status, Deliverable.due_on, Deliverable.deadline_source, until=last)
    query = (
        db.select(month.label("month"), due, done, late, in_review, returned)
        .select_from(Deliverable)
        .join(Institution, Institution.id == Deliverable.institution_id)
        .where(Deliverable.due_on.between(first, last),
               Deliverable.deadline_source != lifecycle.Source.FOLLOWUP,
               Deliverable.status != lifecycle.Status.WAIVED)
        .group_by(month)
    )
    found = {}
    for row in db.session.execute(_filtered(query, filters)):
        number, due_count, done_count, late_count, review_count, returned_count = row
        found[int(number)] = MonthLine(
            int(number), done_count, review_count, returned_count, late_count,
            due_count - done_count - late_count - review_count - returned_count)
    return year, tuple(found.get(m, MonthLine(m)) for m in range(1, 13))


def by_axis(filters: PanelFilters, today: date) -> tuple[tuple[int, lifecycle.Counts], ...]:
    """Per eixo, the counts of its goals' deliverables — a goal of combined eixos ("1 e 3")
    counts in each, exactly as the panel's eixo filter selects it."""
    axes = cast(Goal.axes, String)
    query = (
        db.select(axes, *_count_columns(today))
        .select_from(Deliverable)
        .join(Institution, Institution.id == Deliverable.institution_id)
        .join(Goal, Goal.id == Deliverable.goal_id)
        .where(*_institution_conditions(filters), *_deliverable_conditions(filters))
        .group_by(axes)
    )
    rows = db.session.execute(query).all()
    result = []
    for axis in axis_names():
        sums = [0] * 6
        for row in rows:
            if str(axis) in (row[0] or ""):  # the filter's own test (see _deliverable_conditions)
                sums = [a + b for a, b in zip(sums, row[1:], strict=True)]
        result.append((axis, lifecycle.Counts(*sums)))
    return tuple(result)


# Waiting for review: up to 7 days, 8 to 15, 16 to 30, 31 to 60, more than 60 (the limits are
# the review queue's "Esperando há mais de (dias)" filter).
QUEUE_AGES = (7, 15, 30, 60)
QUEUE_AGE_LABELS = ("até 7 dias", "8 a 15 dias", "16 a 30 dias", "31 a 60 dias",
                    "mais de 60 dias")


def queue_ages(filters: PanelFilters, today: date) -> tuple[int, ...]:
    """How many deliverables wait for review — exactly the panel's "aguardando análise" —
    by how long their version has waited (whole days in the users' calendar, as the queue
    counts: "more than N days" is the queue's own condition). One row per deliverable: the
    latest version sent (a deliverable with none, which the portal never leaves, would count
    in the first band)."""
    sent = (
        db.select(Submission.deliverable_id, func.max(Submission.submitted_at).label("at"))
        .where(Submission.status == lifecycle.Status.SUBMITTED)
        .group_by(Submission.deliverable_id)
        .subquery("sent")
    )
    older = [
        func.count(case((sent.c.at < start_of_local_day(today - timedelta(days=n)), 1)))
        for n in QUEUE_AGES
    ]
    query = (
        db.select(func.count(Deliverable.id), *older)
        .select_from(Deliverable)
        .outerjoin(sent, sent.c.deliverable_id == Deliverable.id)
        .join(Institution, Institution.id == Deliverable.institution_id)
        .where(Deliverable.status == lifecycle.Status.SUBMITTED)
    )
    total, *more_than = db.session.execute(_filtered(query, filters)).one()
    limits = [total, *more_than, 0]
    return tuple(limits[i] - limits[i + 1] for i in range(len(QUEUE_AGES) + 1))


@dataclass(frozen=True)
class Overview:
    """Everything the panel's map and charts show: one aggregate each."""

    states: dict[str | None, StateLine]
    year: int
    months: tuple[MonthLine, ...]
    axes: tuple[tuple[int, lifecycle.Counts], ...]
    queue: tuple[int, ...]


def overview(filters: PanelFilters, today: date) -> Overview:
    year, months = by_month(filters, today)
    return Overview(by_state(filters, today), year, months, by_axis(filters, today),
                    queue_ages(filters, today))


def cached_overview(filters: PanelFilters, today: date) -> Overview:
    """:func:`overview`, kept as long as the totals (see :func:`_cached`)."""
    return _cached(overview, filters, today)


def matrix(institution_ids: list[int], filters: PanelFilters) -> tuple[list[str], dict]:
    """Goal codes (columns) and, per (institution, code), the worst current status and a link.

    Worst first (``lifecycle.STATE_RANK``): late, late follow-up, returned, draft, pending,
    in review, approved, waived — so a cell shows what needs attention; it links to the
    deliverable due nearest to today.
    """
    if not institution_ids:
        return [], {}
    today = local_today()
    rows = db.session.execute(
        db.select(
            Deliverable.institution_id,
            Goal.code,
            Goal.position,
            Deliverable.id,
            Deliverable.status,
            Deliverable.due_on,
            Deliverable.deadline_source,
        )
        .join(Goal, Goal.id == Deliverable.goal_id)
        .where(
            Deliverable.institution_id.in_(institution_ids),
            Deliverable.due_on <= today + timedelta(days=365),
            *_deliverable_conditions(filters),
        )
    ).all()
    codes = sorted({(r.position, r.code) for r in rows})
    cells: dict[tuple[int, str], dict] = {}
    for row in rows:
        state = lifecycle.state_of(row.status, row.due_on, row.deadline_source, today)
        rank = lifecycle.STATE_RANK.index(state)
        cell = cells.get((row.institution_id, row.code))
        distance = abs((row.due_on - today).days)
        if cell is None or (rank, distance) < (cell["rank"], cell["distance"]):
            cells[(row.institution_id, row.code)] = {
                "rank": rank,
                "state": state.value,
                "label": lifecycle.STATE_LABELS[state],
                "tone": lifecycle.STATE_TONES[state],
                "deliverable_id": row.id,
                "distance": distance,
            }
    return [code for _, code in codes], cells
