"""Turning goals into deliverables for every institution that owes them.

* a goal with dates in the plan → its periods (``schedule.periods_for``), source ``plan``;
* a continuous goal → no plan deadline; the partner's yearly *relato de acompanhamento*
  (source ``followup``, SEGES's rule, ``deadlines.followup_periods``). SEGES's own
  continuous duties are reported in the annual report itself, so they have none;
* the goal whose role is ``annual_report`` (3.6 in the seed) → one deliverable of SEGES per
  report year for the whole Rede, not one per agreement (key ``A<year>``).

Idempotent: a deliverable is identified by (goal, institution, period key) — and the
network's annual report by its key alone; running the generation again only adds what is
missing and never deletes or reopens work.
"""

import json
from datetime import date
from functools import lru_cache

from sqlalchemy import and_, delete, insert, update

from portal.agreements.models import Agreement, Goal
from portal.core.exceptions import DomainError
from portal.core.models import utcnow
from portal.deliverables import deadlines
from portal.deliverables.lifecycle import Source
from portal.deliverables.models import Deliverable, Submission
from portal.extensions import db
from portal.institutions.models import Institution
from portal.schedule import engine as schedule


def secretariat() -> Institution:
    institution = db.session.scalar(db.select(Institution).where(Institution.is_secretariat))
    if institution is None:
        raise DomainError("A instituição da Secretaria da Rede (SEGES) não está cadastrada.")
    return institution


def owners(goal: Goal, agreement: Agreement, secretariat_id: int) -> list[int]:
    """Institutions that owe ``goal``: SEGES, the partner, or both."""
    ids = []
    if goal.responsible in ("seges", "both"):
        ids.append(secretariat_id)
    if goal.responsible in ("partner", "both"):
        ids.append(agreement.partner_id)
    return ids


@lru_cache(maxsize=4096)
def _periods(schedule_json: str, start: date, end: date, signed_on: date | None):
    """Periods are pure and most agreements share plan and term: compute each once."""
    return tuple(
        schedule.periods_for(json.loads(schedule_json), start=start, end=end, signed_on=signed_on)
    )


def _existing_keys(goal_ids: list[int]) -> set[tuple[int, int, str]]:
    if not goal_ids:
        return set()
    rows = db.session.execute(
        db.select(Deliverable.goal_id, Deliverable.institution_id, Deliverable.period_key).where(
            Deliverable.goal_id.in_(goal_ids)
        )
    )
    return {tuple(row) for row in rows}


def generate_deliverables(agreement: Agreement, goals: list[Goal] | None = None) -> int:
    """Create the missing deliverables of ``agreement`` (or only of ``goals``). Returns a count."""
    return _generate([(agreement, agreement.goals if goals is None else goals)])


def generate_for_agreements(agreement_ids: list[int], batch_size: int = 200) -> int:
    """The same for many agreements (e.g. the whole federation), in batches."""
    created = 0
    for first in range(0, len(agreement_ids), batch_size):
        batch = db.session.scalars(
            db.select(Agreement).where(Agreement.id.in_(agreement_ids[first:first + batch_size]))
            .order_by(Agreement.id)
            .options(db.selectinload(Agreement.goals))).all()
        created += _generate([(agreement, agreement.goals) for agreement in batch])
        db.session.flush()
        db.session.expunge_all()  # keep the session small across batches
    return created


def _generate(items: list[tuple[Agreement, list[Goal]]]) -> int:
    items = [(a, goals) for a, goals in items if a.term_start is not None and a.term_end]
    if not items:
        return 0
    db.session.flush()
    existing = _existing_keys([goal.id for _, goals in items for goal in goals])
    secretariat_id = secretariat().id if any(
        goal.responsible != "partner" for _, goals in items for goal in goals) else 0
    settings = deadlines.current()
    rows = []
    network_reports: dict[str, dict] = {}
    for agreement, goals in items:
        start, end = agreement.term_start, agreement.term_end
        for goal in goals:
            if goal.has_role("annual_report"):
                for period, rule in deadlines.annual_report_periods(start, end):
                    network_reports.setdefault(period.key, _row(
                        goal, secretariat_id or secretariat().id, period, Source.DEFAULT, rule))
                continue
            if schedule.is_continuous(goal.schedule):
                owing = [agreement.partner_id] if goal.responsible != "seges" else []
                periods = deadlines.followup_periods(start, end, settings)
                source = Source.FOLLOWUP
            else:
                owing = owners(goal, agreement, secretariat_id)
                periods = [(p, None) for p in _periods(
                    json.dumps(goal.schedule, sort_keys=True), start, end, agreement.signed_on)]
                source = Source.PLAN
            for institution_id in owing if periods else []:
                for period, rule in periods:
                    if (goal.id, institution_id, period.key) not in existing:
                        rows.append(_row(goal, institution_id, period, source, rule))
    rows.extend(_missing_network_reports(network_reports))
    _insert(rows)
    return len(rows)


def _missing_network_reports(candidates: dict[str, dict]) -> list[dict]:
    """The network's annual reports not yet created (under any agreement's goal)."""
    if not candidates:
        return []
    present = set(db.session.scalars(db.select(Deliverable.period_key).where(
        Deliverable.period_key.in_(list(candidates)),
        Deliverable.deadline_source == Source.DEFAULT,
        Deliverable.institution_id == next(iter(candidates.values()))["institution_id"])))
    return [row for key, row in sorted(candidates.items()) if key not in present]


_COLUMNS = ("goal_id", "institution_id", "period_key", "period_label", "opens_on", "due_on",
            "status", "deadline_source", "deadline_rule", "created_at", "updated_at")


def _insert(rows: list[dict]) -> None:
    """Bulk insert; on PostgreSQL large batches go through COPY (an order of magnitude faster)."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or len(rows) < 1000:
        db.session.execute(insert(Deliverable.__table__), rows)
        return
    now = utcnow()
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY deliverables ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(c, now) for c in _COLUMNS])


def _row(goal: Goal, institution_id: int, period: schedule.Period,
         source: Source = Source.PLAN, rule: str | None = None) -> dict:
    return {
        "goal_id": goal.id,
        "institution_id": institution_id,
        "period_key": period.key,
        "period_label": period.label,
        "opens_on": period.opens_on,
        "due_on": period.due_on,
        "status": "pending",
        "deadline_source": source.value,
        "deadline_rule": rule,
    }


def regenerate_goal(goal: Goal, today: date) -> int:
    """After SEGES edits a goal: replace its future, untouched deliverables only.

    A goal made continuous keeps no plan deadline at all: its untouched plan deliverables
    go whatever their date (none may stay late), and the ones someone worked on become
    follow-ups, with everything recorded on them."""
    has_submission = db.select(Submission.deliverable_id).where(
        Submission.deliverable_id == Deliverable.id).exists()
    if schedule.is_continuous(goal.schedule):
        plan_rows = and_(Deliverable.goal_id == goal.id,
                         Deliverable.deadline_source == Source.PLAN,
                         ~Deliverable.period_key.startswith("E"))
        db.session.execute(delete(Deliverable).where(
            plan_rows, Deliverable.status == "pending", ~has_submission))
        db.session.execute(update(Deliverable).where(plan_rows).values(
            deadline_source=Source.FOLLOWUP.value,
            deadline_rule="Entrega registrada antes de a meta ser contínua — relato de "
                          "acompanhamento, não é prazo do Plano de Trabalho"))
    db.session.execute(
        delete(Deliverable).where(
            Deliverable.goal_id == goal.id,
            Deliverable.status == "pending",
            Deliverable.due_on >= today,
            # Event deliverables (meetings, requests, adhesions, course changes) are not
            # the schedule's to redo: the engine would never recreate them. Nor is the
            # network's annual report (A<year>): the whole Rede's, whatever this term.
            ~Deliverable.period_key.startswith("E"),
            ~Deliverable.period_key.startswith("A"),
        )
    )
    db.session.expire_all()
    return generate_deliverables(goal.agreement, [goal])


def add_event_deliverable(
    goal: Goal,
    institution_id: int,
    *,
    event_key: str,
    event_date: date,
    due_on: date | None = None,
    label: str | None = None,
    source: Source = Source.PLAN,
    rule: str | None = None,
) -> Deliverable:
    """The deliverable an event (meeting, request, adhesion, course change) creates."""
    period = schedule.event_period(
        goal.schedule, event_key=event_key, event_date=event_date, due_on=due_on, label=label
    )
    existing = db.session.scalar(
        db.select(Deliverable).where(
            Deliverable.goal_id == goal.id,
            Deliverable.institution_id == institution_id,
            Deliverable.period_key == period.key,
        )
    )
    if existing is not None:
        return existing
    deliverable = Deliverable(**_row(goal, institution_id, period, source, rule))
    db.session.add(deliverable)
    return deliverable
