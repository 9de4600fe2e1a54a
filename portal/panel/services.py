"""Painel da Rede: the whole network at a glance, aggregated in SQL."""

from dataclasses import dataclass
from datetime import date, timedelta
from time import monotonic

from flask import current_app
from sqlalchemy import String, case, cast, func, literal, or_

from portal.agreements.models import Agreement, Goal
from portal.core.clock import local_today
from portal.core.pagination import RowPagination
from portal.deliverables import lifecycle
from portal.deliverables.models import Deliverable
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

    def _query_items(self) -> list:
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
        return db.session.scalar(db.select(func.count()).select_from(subquery)) or 0


def progress_page(
    filters: PanelFilters, today: date, sort: str = "nome", descending: bool = False,
    per_page: int | None = None,
) -> ProgressPage:
    sort = sort if sort in SORTS else "nome"
    return ProgressPage(
        select=progress_query(filters, today, sort, descending), session=db.session,
        error_out=False, per_page=per_page or current_app.config["ITEMS_PER_PAGE"],
        filters=filters, sort=sort, descending=descending,
    )


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


_TOTALS_CACHE: dict[tuple, tuple[float, Totals]] = {}


def cached_totals(filters: PanelFilters, today: date) -> Totals:
    """:func:`totals` aggregates every deliverable of the network (seconds at full scale):
    each worker keeps the answer for ``PANEL_TOTALS_CACHE_SECONDS`` (60 s; 0 when testing)."""
    ttl = current_app.config.get("PANEL_TOTALS_CACHE_SECONDS", 0 if current_app.testing else 60)
    if not ttl:
        return totals(filters, today)
    key = (filters, today)
    hit = _TOTALS_CACHE.get(key)
    if hit is None or hit[0] < monotonic():
        if len(_TOTALS_CACHE) > 256:
            _TOTALS_CACHE.clear()
        hit = _TOTALS_CACHE[key] = (monotonic() + ttl, totals(filters, today))
    return hit[1]


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
