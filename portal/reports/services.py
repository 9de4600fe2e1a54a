"""The Relatório Anual da Rede de Parcerias (meta 3.6), compiled from recorded data.

``compile_report(year)`` gives the whole network; ``compile_report(year, institution)`` one
partner's contribution (meta 3.5). Every number comes from a handful of SQL aggregates
(grouped by institution or by goal), so the query count does not grow with the network.

What the numbers mean (also shown on the page, "Como os números são calculados"):

* **Due in the year**: deliverables with a date (the plan's or a SEGES default — never a
  SEGES follow-up of a continuous obligation, which the plan does not date) owed by
  partners (never SEGES) whose due date falls in the calendar year, except those currently
  waived (dispensadas). While the year is open, only those due up to today: the same
  rule as every other page (``deliverables.lifecycle.count_columns``).
* **Met**: a due deliverable with an approved version (whichever version was approved) whose
  decision was recorded up to the year's closing date, 31 March of the next year. Later
  decisions do not change a closed year; reviews of late-December deliverables still count.
* **Training hours**: the hours of TrainingRecords starting in the year, against the minimum
  of the partner's hours goal (``min_hours``, 60 h in the seed plan) when it has a deliverable
  of that goal due in the year.
* **Adhesions**: adhesion agreements signed in the year, credited to the first-layer
  partner whose agreement they adhere to.
* **Events**: invitations to events starting in the year (local time) and, of those, the
  ones SEGES marked as attended.
* **Highlights**: an excerpt of the approved report of eixo 3 deliverables counted as met;
  the network report takes each partner's latest-due one — at most HIGHLIGHTS_LIMIT, the
  latest — shown in alphabetical order.

Nothing here reads today's date except to cut the open year at today: the same recorded
data gives the same report of a closed year. The one exception, documented on the page, is
a waiver: it is read from the deliverable's current status, so waiving (or un-waiving) a
deliverable of a closed year changes that year.
"""

import html
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

import nh3
from markupsafe import Markup
from sqlalchemy import Integer, String, and_, case, cast, func, null, or_, union_all

from portal.agreements.models import Agreement, Goal
from portal.agreements.services import axis_label
from portal.core import audit
from portal.core.clock import local_date, start_of_local_day
from portal.core.exceptions import DomainError, NotFound
from portal.core.markdown import render_markdown
from portal.deliverables import deadlines, lifecycle
from portal.deliverables.lifecycle import Source
from portal.deliverables.models import Deliverable, Review, Submission
from portal.events.models import Event, EventInvitation
from portal.extensions import db
from portal.institutions.models import Institution
from portal.reports.models import AnnualReport
from portal.training.models import TrainingRecord

MIN_YEAR, MAX_YEAR = 2000, 2100
HIGHLIGHT_AXIS = 3  # Comunicação e Transparência: the partners' reports of what they did
HIGHLIGHT_CHARS = 280
HIGHLIGHTS_LIMIT = 30
INTRODUCTION_MAX = 20000


# The compiled report: plain, comparable values ----------------------------------------------


@dataclass(frozen=True)
class Totals:
    partners: int
    first_layer: int
    second_layer: int
    due: int
    met: int
    training_hours: int
    training_courses: int
    participants: int
    partners_with_target: int
    partners_reaching_target: int
    adhesions: int
    events: int
    attendances: int

    @property
    def percent(self) -> float | None:
        return _percent(self.met, self.due)

    @property
    def not_met(self) -> int:
        return self.due - self.met


@dataclass(frozen=True)
class GoalLine:
    code: str
    description: str
    due: int
    met: int
    partners_met: int

    @property
    def percent(self) -> float | None:
        return _percent(self.met, self.due)


@dataclass(frozen=True)
class AxisSection:
    axes: tuple[int, ...]
    goals: tuple[GoalLine, ...]

    @property
    def label(self) -> str:
        if len(self.axes) == 1:
            return axis_label(self.axes[0])
        if not self.axes:
            return "Sem eixo"
        return "Eixos combinados " + " e ".join(str(a) for a in self.axes)

    @property
    def due(self) -> int:
        return sum(goal.due for goal in self.goals)

    @property
    def met(self) -> int:
        return sum(goal.met for goal in self.goals)

    @property
    def percent(self) -> float | None:
        return _percent(self.met, self.due)


@dataclass(frozen=True)
class PartnerLine:
    institution_id: int
    name: str
    acronym: str | None
    uf: str | None
    elo: str
    layer: int
    parent_id: int | None
    due: int
    met: int
    training_hours: int
    training_courses: int
    participants: int
    target_hours: int | None
    adhesions: int
    events_invited: int
    events_attended: int

    @property
    def percent(self) -> float | None:
        return _percent(self.met, self.due)

    @property
    def reached_target(self) -> bool | None:
        return None if not self.target_hours else self.training_hours >= self.target_hours


@dataclass(frozen=True)
class PartnerGroup:
    """A first-layer partner's line and the sum of its adherents' (the page and the PDF show
    one row per group; the XLSX and each contribution page show every institution)."""

    partner: PartnerLine
    adherents: int = 0
    adherents_due: int = 0
    adherents_met: int = 0


@dataclass(frozen=True)
class Highlight:
    institution_id: int
    institution: str
    goal_code: str
    period_label: str
    due_on: date
    excerpt: str
    deliverable_id: int


@dataclass(frozen=True)
class DeliverableLine:
    """One deliverable of a partner's contribution: how the report counted it."""

    deliverable_id: int
    goal_code: str
    axes: tuple[int, ...]
    period_label: str
    due_on: date
    waived: bool
    approved_on: date | None  # local date of the approval counted (None: not met)
    followup: bool = False  # a SEGES follow-up of a continuous meta: listed, never counted
    not_yet_due: bool = False  # the open year: due after today, not counted yet

    @property
    def situation(self) -> str:
        if self.waived:
            return "Dispensada (não conta)"
        if self.followup:
            state = "enviado e aprovado" if self.approved_on else "sem aprovação"
            return f"Relato de acompanhamento da SEGES, {state} (não conta)"
        if self.not_yet_due and not self.approved_on:
            return "A vencer (ainda não conta)"
        return "Cumprida" if self.approved_on else "Não cumprida"


@dataclass(frozen=True)
class InstitutionRef:
    id: int
    name: str
    acronym: str | None

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


@dataclass(frozen=True)
class JoiningYear:
    """Partners whose first agreement (an ACT, or for the 2nd layer an adhesion) was signed
    in ``year`` (its term start when the signature date is missing)."""

    year: int
    first_layer: int
    second_layer: int

    @property
    def total(self) -> int:
        return self.first_layer + self.second_layer


@dataclass(frozen=True)
class Report:
    year: int
    closing_date: date
    institution: InstitutionRef | None
    totals: Totals
    axes: tuple[AxisSection, ...]
    partners: tuple[PartnerLine, ...]
    groups: tuple[PartnerGroup, ...]
    highlights: tuple[Highlight, ...]
    deliverables: tuple[DeliverableLine, ...]  # only in a partner's contribution
    joining: tuple[JoiningYear, ...] = ()  # only in the network's report

    @property
    def title(self) -> str:
        if self.institution is None:
            return f"Relatório Anual da Rede de Parcerias {self.year}"
        return f"Contribuição ao Relatório Anual {self.year}: {self.institution.display_name}"


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Dates ---------------------------------------------------------------------------------------


def closing_date(year: int) -> date:
    """Decisions recorded up to this day (inclusive, local time) count for ``year``."""
    return deadlines.report_closing(year)


def default_year(today: date) -> int:
    """Last year while it is still being closed (until 31/03), then the current year."""
    return today.year - 1 if today <= closing_date(today.year - 1) else today.year


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound(f"Não há relatório anual de {year}: escolha um ano entre {MIN_YEAR} e "
                       f"{MAX_YEAR}.", field="ano")


def years_with_data(today: date) -> list[int]:
    """Years that have partner deliverables due, newest first, up to the current year."""
    first = db.session.scalar(db.select(func.min(Deliverable.due_on)))
    oldest = min(first.year, today.year) if first else today.year
    return list(range(today.year, oldest - 1, -1))


# Compiling -----------------------------------------------------------------------------------


def compile_report(year: int, institution: Institution | None = None,
                   today: date | None = None) -> Report:
    """The report for ``year``: the whole network, or one institution's contribution.

    ``today`` cuts the open year: what is due counts up to that day, as on every page.
    """
    check_year(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    scope = _Scope(year, institution.id if institution is not None else None)
    until = last if today is None else max(first - timedelta(days=1), min(last, today))

    by_partner, by_goal = _deliverable_aggregates(scope, first, last, until)
    partners = _partner_lines(scope, first, last, institution, by_partner)
    axes = _axis_sections(by_goal)
    highlights = _highlights(scope, first, last)
    deliverables = (_deliverable_lines(scope, first, last, until) if institution is not None
                    else ())
    if institution is None:
        events = db.session.scalar(
            db.select(func.count(Event.id)).where(*scope.event_window(Event.starts_at))
        )
    else:
        events = sum(p.events_invited for p in partners)
    totals = Totals(
        partners=len(partners),
        first_layer=sum(1 for p in partners if p.layer == 1),
        second_layer=sum(1 for p in partners if p.layer == 2),
        due=sum(p.due for p in partners),
        met=sum(p.met for p in partners),
        training_hours=sum(p.training_hours for p in partners),
        training_courses=sum(p.training_courses for p in partners),
        participants=sum(p.participants for p in partners),
        partners_with_target=sum(1 for p in partners if p.target_hours),
        partners_reaching_target=sum(1 for p in partners if p.reached_target),
        adhesions=sum(p.adhesions for p in partners),
        events=int(events or 0),
        attendances=sum(p.events_attended for p in partners),
    )
    ref = None
    if institution is not None:
        ref = InstitutionRef(institution.id, institution.name, institution.acronym)
    return Report(
        year=year,
        closing_date=closing_date(year),
        institution=ref,
        totals=totals,
        axes=axes,
        partners=partners,
        groups=_groups(partners),
        highlights=highlights,
        deliverables=deliverables,
        joining=_joining(year) if institution is None else (),
    )


def _joining(year: int) -> tuple[JoiningYear, ...]:
    """Partners joining the Rede, year by year up to ``year`` (from the first year anyone
    joined), by layer — one statement: each partner's first agreement, grouped by its year."""
    first = (
        db.select(
            Agreement.partner_id.label("institution_id"),
            func.min(func.coalesce(Agreement.signed_on, Agreement.term_start)).label("joined"),
        )
        .group_by(Agreement.partner_id)
        .subquery("first_agreements")
    )
    joined_year = func.extract("year", first.c.joined)
    rows = _core_rows(
        db.select(
            joined_year.label("year"),
            func.count(case((Institution.parent_id.is_(None), 1))),
            func.count(case((Institution.parent_id.is_not(None), 1))),
        )
        .join(Institution, Institution.id == first.c.institution_id)
        .where(Institution.is_secretariat.is_(False), first.c.joined <= date(year, 12, 31))
        .group_by(joined_year)
    ).all()
    found = {int(row[0]): (row[1], row[2]) for row in rows}
    if not found:
        return ()
    return tuple(JoiningYear(y, *found.get(y, (0, 0))) for y in range(min(found), year + 1))


def _groups(partners: tuple[PartnerLine, ...]) -> tuple[PartnerGroup, ...]:
    """First-layer partners with their adherents summed, in the partners' order. An adherent
    whose first-layer partner is not in the report stands as a group of its own."""
    listed = {p.institution_id for p in partners}
    adherents: dict[int, list[PartnerLine]] = {}
    for line in partners:
        if line.parent_id in listed:
            adherents.setdefault(line.parent_id, []).append(line)
    groups = []
    for line in partners:
        if line.parent_id in listed:
            continue
        own = adherents.get(line.institution_id, [])
        groups.append(PartnerGroup(
            line, len(own), sum(a.due for a in own), sum(a.met for a in own)))
    return tuple(groups)


class _Scope:
    """The year's SQL conditions, and the institution the report is limited to (if any)."""

    def __init__(self, year: int, institution_id: int | None):
        self.year = year
        self.institution_id = institution_id
        # Decisions up to the end of the closing day, in the users' timezone.
        self.decided_before = start_of_local_day(closing_date(year) + timedelta(days=1))
        self.year_start = start_of_local_day(date(year, 1, 1))
        self.year_end = start_of_local_day(date(year + 1, 1, 1))

    def institutions(self, column) -> list:
        """Partners only (never the secretariat); one institution when scoped."""
        # NOT IN the (one) secretariat rather than IN the thousands of partners: the same rows
        # (every column passed here is a non-null foreign key), and the databases keep driving
        # the statement from the year's index (due_on) instead of probing each partner.
        conditions = [
            column.not_in(db.select(Institution.id).where(Institution.is_secretariat.is_(True)))
        ]
        if self.institution_id is not None:
            conditions.append(column == self.institution_id)
        return conditions

    def event_window(self, column) -> list:
        return [column >= self.year_start, column < self.year_end]

    def approved_ids(self):
        """Ids of deliverables with an approved version decided by the closing date, for an
        ``IN``: uncorrelated, so the database computes the set once per statement (a hash on
        PostgreSQL) instead of joining and grouping the year's submissions for each use."""
        return (
            db.select(Submission.deliverable_id)
            .join(Review, Review.submission_id == Submission.id)
            .where(Review.decision == "approved", Review.created_at < self.decided_before)
        )

    def approvals(self):
        """Deliverables with an approved version decided by the closing date (and when)."""
        return (
            db.select(
                Submission.deliverable_id.label("deliverable_id"),
                func.min(Review.created_at).label("decided_at"),
            )
            .join(Review, Review.submission_id == Submission.id)
            .join(Deliverable, Deliverable.id == Submission.deliverable_id)
            .where(
                Review.decision == "approved",
                Review.created_at < self.decided_before,
                Deliverable.due_on.between(date(self.year, 1, 1), date(self.year, 12, 31)),
            )
            .group_by(Submission.deliverable_id)
            .subquery("approvals")
        )


def _core_rows(statement):
    """Run a column-only SELECT on the session's connection: plain Core rows, without the
    ORM's per-row loading (tens of ms for the network report's ~8,000 rows)."""
    return db.session.connection().execute(statement)


def _deliverable_aggregates(scope: _Scope, first: date, last: date,
                            until: date) -> tuple[dict, list]:
    """What was due and met in the year, per partner and per goal code (and its axes), and
    each partner's hours goals — from ONE statement: the year's deliverables are joined to
    their goals and to the approvals once (a CTE, used by two GROUP BYs under UNION ALL),
    and the JSON columns are cast only for those rows, never for the whole goals table.

    Only deliverables due up to ``until`` count (the open year is cut at today); the hours
    targets come from the whole year's hours deliverables, due or not yet.

    Returns ``({institution_id: {"due", "met", "schedules"}}, [goal rows])``.
    """
    counted = lifecycle.dated_condition(Deliverable.status, Deliverable.due_on,
                                        Deliverable.deadline_source, until)
    # MATERIALIZED: computed once, by one process. Inlined, PostgreSQL ran the statement in
    # parallel workers that each built the whole set again (2 cores: 3 × 70 ms).
    approved = scope.approved_ids().cte("approved").prefix_with("MATERIALIZED")
    met = and_(counted, Deliverable.id.in_(db.select(approved.c.deliverable_id)))
    schedule = cast(Goal.schedule, String)
    year = (
        db.select(
            Deliverable.institution_id.label("institution_id"),
            Goal.code.label("code"),
            cast(Goal.axes, String).label("axes"),
            Goal.position.label("position"),
            Goal.description.label("description"),
            # the schedule only of hours goals (2.2): its min_hours is the partner's target
            case((schedule.contains('"min_hours"'), schedule)).label("hours_schedule"),
            case((counted, 1)).label("counted"),
            case((met, 1)).label("met"),
        )
        .join(Goal, Goal.id == Deliverable.goal_id)
        .where(
            Deliverable.due_on.between(first, last),
            Deliverable.deadline_source != Source.FOLLOWUP,
            *scope.institutions(Deliverable.institution_id),
        )
        .cte("year_deliverables")
    )
    # Both GROUP BYs share the columns (named after the first): a partner's rows carry its
    # institution_id and, in "code", the schedule of an hours goal (or NULL); a goal code's
    # rows have no institution_id.
    no_int, no_text = cast(null(), Integer), cast(null(), String)
    per_partner = db.select(
        year.c.institution_id,
        year.c.hours_schedule.label("code"),
        no_text.label("axes"),
        no_int.label("position"),
        no_text.label("description"),
        func.count(year.c.counted).label("due"),
        func.count(year.c.met).label("met"),
        no_int.label("partners_met"),
    ).group_by(year.c.institution_id, year.c.hours_schedule)
    per_goal = db.select(
        no_int.label("institution_id"),
        year.c.code,
        year.c.axes,
        func.min(year.c.position),
        func.min(year.c.description),
        func.count(year.c.counted),
        func.count(year.c.met),
        func.count(func.distinct(case((year.c.met == 1, year.c.institution_id)))),
    ).group_by(year.c.code, year.c.axes)
    partners: dict[int, dict] = {}
    goals = []
    for row in _core_rows(union_all(per_partner, per_goal)):
        if row.institution_id is None:
            goals.append(row)
            continue
        entry = partners.setdefault(row.institution_id, {"due": 0, "met": 0, "schedules": []})
        entry["due"] += row.due
        entry["met"] += row.met
        if row.code is not None:
            entry["schedules"].append(row.code)
    return partners, goals


def _partner_lines(scope: _Scope, first: date, last: date, institution,
                   by_partner: dict) -> tuple:
    in_year = Deliverable.due_on.between(first, last)
    columns = (Institution.id, Institution.name, Institution.acronym, Institution.uf,
               Institution.elo, Institution.parent_id)
    if institution is not None:
        rows = [institution]
    else:
        in_force = db.select(Agreement.partner_id).where(
            Agreement.term_start <= last,
            or_(Agreement.term_end.is_(None), Agreement.term_end >= first),
        )
        owing = db.select(Deliverable.institution_id).where(in_year)
        rows = _core_rows(  # thousands of partners
            db.select(*columns)
            .where(
                Institution.is_secretariat.is_(False),
                or_(Institution.id.in_(in_force), Institution.id.in_(owing)),
            )
            .order_by(Institution.name, Institution.id)
        ).all()

    training = {
        r.institution_id: r
        for r in _core_rows(
            db.select(
                TrainingRecord.institution_id,
                func.coalesce(func.sum(TrainingRecord.hours), 0).label("hours"),
                func.count(TrainingRecord.id).label("courses"),
                func.coalesce(func.sum(TrainingRecord.participants), 0).label("participants"),
            )
            .where(
                TrainingRecord.start_on.between(first, last),
                *scope.institutions(TrainingRecord.institution_id),
            )
            .group_by(TrainingRecord.institution_id)
        )
    }
    targets = _training_targets(by_partner)
    parent = db.aliased(Agreement)
    adhesions = dict(
        _core_rows(
            db.select(parent.partner_id, func.count(Agreement.id))
            .join(parent, parent.id == Agreement.parent_id)
            .where(Agreement.signed_on.between(first, last), *scope.institutions(parent.partner_id))
            .group_by(parent.partner_id)
        ).all()
    )
    invitations = {
        r.institution_id: r
        for r in _core_rows(
            db.select(
                EventInvitation.institution_id,
                func.count(EventInvitation.id).label("invited"),
                func.count(case((EventInvitation.attended.is_(True), 1))).label("attended"),
            )
            .join(Event, Event.id == EventInvitation.event_id)
            .where(
                *scope.event_window(Event.starts_at),
                *scope.institutions(EventInvitation.institution_id),
            )
            .group_by(EventInvitation.institution_id)
        )
    }

    lines = []
    for inst in rows:
        count, trained, invited = (
            by_partner.get(inst.id),
            training.get(inst.id),
            invitations.get(inst.id),
        )
        lines.append(
            PartnerLine(
                institution_id=inst.id,
                name=inst.name,
                acronym=inst.acronym,
                uf=inst.uf,
                elo=inst.elo,
                layer=2 if inst.parent_id else 1,
                parent_id=inst.parent_id,
                due=count["due"] if count else 0,
                met=count["met"] if count else 0,
                training_hours=int(trained.hours) if trained else 0,
                training_courses=trained.courses if trained else 0,
                participants=int(trained.participants) if trained else 0,
                target_hours=targets.get(inst.id),
                adhesions=adhesions.get(inst.id, 0),
                events_invited=invited.invited if invited else 0,
                events_attended=invited.attended if invited else 0,
            )
        )
    return tuple(lines)


def _training_targets(by_partner: dict) -> dict[int, int]:
    """Per institution, the minimum hours of its hours goal (2.2) with a deliverable due in
    the year. The schedule is JSON: compared and grouped as text (the same on both databases).
    """
    targets: dict[int, int] = {}
    for institution_id, entry in by_partner.items():
        for text in entry["schedules"]:
            hours = json.loads(text).get("min_hours")
            if isinstance(hours, int) and hours > 0:
                targets[institution_id] = max(hours, targets.get(institution_id, 0))
    return targets


def _axis_sections(rows: list) -> tuple[AxisSection, ...]:
    """Per goal code (and its axes), what was due and met across the partners in scope."""
    sections: dict[tuple[int, ...], list] = {}
    for row in sorted(rows, key=lambda r: (r.position, r.code, r.axes)):
        if row.due == 0:
            continue  # everything waived: nothing was due
        key = tuple(json.loads(row.axes or "[]"))
        sections.setdefault(key, []).append(
            GoalLine(row.code, row.description, row.due, row.met, row.partners_met)
        )
    order = sorted(sections, key=lambda axes: (len(axes) > 1, axes))
    return tuple(AxisSection(axes, tuple(sections[axes])) for axes in order)


def _highlights(scope: _Scope, first: date, last: date) -> tuple[Highlight, ...]:
    """Excerpts of approved eixo-3 reports counted as met (see the module docstring)."""
    approved = (
        db.select(
            Submission.deliverable_id.label("deliverable_id"),
            Submission.report.label("report"),
        )
        .join(Review, Review.submission_id == Submission.id)
        .where(Review.decision == "approved", Review.created_at < scope.decided_before)
        .subquery("approved")
    )
    # Reports that are blank once trimmed are no highlight. Tested on the joined rows only
    # (ranked last, then dropped): as a WHERE condition PostgreSQL evaluated it on every
    # submission ever sent, before joining (two thirds of the statement's time).
    filled = func.length(func.trim(approved.c.report)) > 0
    rank = func.row_number().over(
        partition_by=Deliverable.institution_id,
        order_by=(case((filled, 0), else_=1), Deliverable.due_on.desc(), Goal.position,
                  Deliverable.id),
    )
    candidates = (
        db.select(
            Deliverable.id.label("deliverable_id"),
            Deliverable.institution_id.label("institution_id"),
            Deliverable.period_label.label("period_label"),
            Deliverable.due_on.label("due_on"),
            Goal.code.label("code"),
            Goal.position.label("position"),
            func.substr(approved.c.report, 1, 4 * HIGHLIGHT_CHARS).label("report"),
            case((filled, 1), else_=0).label("filled"),
            rank.label("rank"),
        )
        .join(Goal, Goal.id == Deliverable.goal_id)
        .join(approved, approved.c.deliverable_id == Deliverable.id)
        .where(
            _of_year(first, last),
            Deliverable.status != "waived",
            cast(Goal.axes, String).contains(str(HIGHLIGHT_AXIS)),
            *scope.institutions(Deliverable.institution_id),
        )
        .subquery("candidates")
    )
    query = (
        db.select(candidates, Institution.name, Institution.acronym)
        .join(Institution, Institution.id == candidates.c.institution_id)
        .where(candidates.c.filled == 1)
    )
    if scope.institution_id is None:
        query = query.where(candidates.c.rank == 1)  # one per partner in the network report
    # The latest HIGHLIGHTS_LIMIT (so every partner's turn comes), shown in name order.
    latest = (
        query.order_by(
            candidates.c.due_on.desc(),
            Institution.name,
            Institution.id,
            candidates.c.position,
            candidates.c.deliverable_id,
        )
        .limit(HIGHLIGHTS_LIMIT)
        .subquery("latest")
    )
    query = db.select(latest).order_by(
        latest.c.name,
        latest.c.institution_id,
        latest.c.due_on,
        latest.c.position,
        latest.c.deliverable_id,
    )
    highlights = []
    for row in db.session.execute(query):
        excerpt = plain_excerpt(row.report)
        if excerpt:
            highlights.append(
                Highlight(
                    institution_id=row.institution_id,
                    institution=row.acronym or row.name,
                    goal_code=row.code,
                    period_label=row.period_label,
                    due_on=row.due_on,
                    excerpt=excerpt,
                    deliverable_id=row.deliverable_id,
                )
            )
    return tuple(highlights)


def _of_year(first: date, last: date):
    return lifecycle.in_year(first, last, Deliverable.due_on, Deliverable.opens_on,
                             Deliverable.deadline_source)


def _deliverable_lines(scope: _Scope, first: date, last: date,
                       until: date) -> tuple[DeliverableLine, ...]:
    approvals = scope.approvals()
    rows = db.session.execute(
        db.select(
            Deliverable.id,
            Goal.code,
            cast(Goal.axes, String).label("axes"),
            Deliverable.period_label,
            Deliverable.due_on,
            Deliverable.status,
            Deliverable.deadline_source,
            approvals.c.decided_at,
        )
        .join(Goal, Goal.id == Deliverable.goal_id)
        .outerjoin(approvals, approvals.c.deliverable_id == Deliverable.id)
        .where(_of_year(first, last), *scope.institutions(
            Deliverable.institution_id))
        .order_by(Deliverable.due_on, Goal.position, Deliverable.id)
    )

    lines = []
    for row in rows:
        waived = row.status == "waived"
        approved_on = local_date(row.decided_at) if row.decided_at and not waived else None
        lines.append(
            DeliverableLine(
                deliverable_id=row.id,
                goal_code=row.code,
                axes=tuple(json.loads(row.axes or "[]")),
                period_label=row.period_label,
                due_on=row.due_on,
                waived=waived,
                approved_on=approved_on,
                followup=row.deadline_source == Source.FOLLOWUP,
                not_yet_due=row.due_on > until,
            )
        )
    return tuple(lines)


# Highlights as plain text --------------------------------------------------------------------

_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre)>|<br\s*/?>|<hr\s*/?>")
_SPACES = re.compile(r"\s+")


def plain_excerpt(markdown: str | None, limit: int = HIGHLIGHT_CHARS) -> str:
    """The first ``limit`` characters of a Markdown report as plain text (no markup at all),
    cut at a word boundary. Templates print it escaped, like any user text."""
    rendered = _BLOCK_END.sub(" ", str(render_markdown(markdown)))
    text = html.unescape(sanitise_html_to_text(rendered))
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.-—")
    return f"{cut or text[:limit]}…"


def sanitise_html_to_text(fragment: str) -> str:
    """Drop every tag, keep the text (HTML-escaped, as nh3 returns it)."""
    return nh3.clean(fragment, tags=set(), attributes={}, strip_comments=True)


# The introduction SEGES writes ---------------------------------------------------------------


def introduction(year: int) -> AnnualReport | None:
    return db.session.get(AnnualReport, year)


def introduction_html(year: int) -> Markup:
    entry = introduction(year)
    return render_markdown(entry.introduction) if entry else Markup("")


def save_introduction(year: int, text: str, *, by) -> AnnualReport:
    check_year(year)
    text = (text or "").strip()
    if not text:
        raise DomainError("Escreva a introdução.", field="introduction")
    if len(text) > INTRODUCTION_MAX:
        raise DomainError(
            f"A introdução pode ter até {INTRODUCTION_MAX} caracteres.", field="introduction"
        )
    entry = introduction(year)
    created = entry is None
    if created:
        entry = AnnualReport(year=year)
        db.session.add(entry)
    previous = "" if created else entry.introduction
    entry.introduction, entry.updated_by_id = text, by.id
    audit.record(
        "annual_report.introduction_updated",
        entry,
        actor=by,
        year=year,
        created=created,
        chars_before=len(previous),
        chars_after=len(text),
    )
    db.session.flush()
    return entry
