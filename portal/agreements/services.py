"""Institution and agreement rules."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_

from portal.agreements.models import AXES, GOAL_ROLES, Agreement, Goal, Institution
from portal.core import audit
from portal.core.clock import local_date
from portal.core.exceptions import DomainError
from portal.core.search import LIKE_ESCAPE, like_pattern
from portal.core.validators import format_nup, only_digits
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
from portal.deliverables.models import Deliverable, Submission
from portal.extensions import db


def find_by_cnpj(cnpj: str) -> Institution | None:
    return db.session.scalar(db.select(Institution).where(Institution.cnpj == only_digits(cnpj)))


def search_institutions(
    *,
    q: str | None = None,
    sphere: str | None = None,
    uf: str | None = None,
    elo: str | None = None,
):
    query = db.select(Institution).order_by(Institution.name)
    if q:
        term = like_pattern(q)
        conditions = [
            func.lower(Institution.name).like(term, escape=LIKE_ESCAPE),
            func.lower(Institution.acronym).like(term, escape=LIKE_ESCAPE),
        ]
        if only_digits(q):
            conditions.append(Institution.cnpj.like(f"%{only_digits(q)}%"))
        query = query.where(or_(*conditions))
    if sphere:
        query = query.where(Institution.sphere == sphere)
    if uf:
        query = query.where(Institution.uf == uf)
    if elo:
        query = query.where(Institution.elo == elo)
    return query


def save_institution(
    institution: Institution | None,
    *,
    by,
    name: str,
    cnpj: str,
    sphere: str,
    elo: str,
    acronym: str | None = None,
    uf: str | None = None,
    parent_cnpj: str | None = None,
) -> Institution:
    """Create (``institution`` None) or update an institution."""
    cnpj = only_digits(cnpj)
    existing = find_by_cnpj(cnpj)
    if existing is not None and existing is not institution:
        raise DomainError("Já existe uma instituição com este CNPJ.", field="cnpj")
    parent = None
    if parent_cnpj:
        parent = find_by_cnpj(parent_cnpj)
        if parent is None:
            raise DomainError("Nenhuma instituição cadastrada com este CNPJ.", field="parent_cnpj")
        if parent is institution or parent.parent_id is not None:
            raise DomainError(
                "O partícipe de primeira camada não pode ser aderente nem a própria instituição.",
                field="parent_cnpj",
            )
        has_adherents = institution is not None and db.session.scalar(
            db.select(Institution.id).where(Institution.parent_id == institution.id).limit(1))
        if has_adherents:
            raise DomainError("Esta instituição tem aderentes: ela não pode virar segunda camada "
                              "(a Rede tem só duas camadas).", field="parent_cnpj")
    creating = institution is None
    if creating:
        institution = Institution()
        db.session.add(institution)
    before = _snapshot(institution)
    institution.name = name
    institution.acronym = acronym or None
    institution.cnpj = cnpj
    institution.sphere = sphere
    institution.uf = uf or None
    institution.elo = elo
    institution.parent = parent
    after = _snapshot(institution)
    changes = {k: after[k] for k in after if before.get(k) != after[k]}
    audit.record(
        "institution.created" if creating else "institution.updated",
        institution,
        actor=by,
        changes=changes,
    )
    db.session.commit()
    return institution


def _snapshot(institution: Institution) -> dict:
    return {
        "name": institution.name,
        "acronym": institution.acronym,
        "cnpj": institution.cnpj,
        "sphere": institution.sphere,
        "uf": institution.uf,
        "elo": institution.elo,
        "parent_id": institution.parent.id if institution.parent else None,
    }


# Agreements -----------------------------------------------------------------

def search_agreements(
    *,
    today: date,
    q: str | None = None,
    kind: str | None = None,
    elo: str | None = None,
    uf: str | None = None,
    status: str | None = None,
):
    query = (
        db.select(Agreement)
        .join(Institution, Agreement.partner_id == Institution.id)
        .order_by(Agreement.kind, Institution.name, Agreement.id)
    )
    if q:
        term = like_pattern(q)
        conditions = [
            func.lower(Agreement.number).like(term, escape=LIKE_ESCAPE),
            func.lower(Institution.name).like(term, escape=LIKE_ESCAPE),
            func.lower(Institution.acronym).like(term, escape=LIKE_ESCAPE),
            Agreement.sei_process.like(f"%{q}%"),
        ]
        if only_digits(q):
            conditions.append(
                func.replace(
                    func.replace(func.replace(Agreement.sei_process, ".", ""), "/", ""), "-", ""
                ).like(f"%{only_digits(q)}%")
            )
        query = query.where(or_(*conditions))
    if kind:
        query = query.where(Agreement.kind == kind)
    if elo:
        query = query.where(Institution.elo == elo)
    if uf:
        query = query.where(Institution.uf == uf)
    if status == "vigente":
        query = query.where(
            Agreement.term_start <= today,
            or_(Agreement.term_end.is_(None), Agreement.term_end >= today),
        )
    elif status == "a_iniciar":
        query = query.where(or_(Agreement.term_start.is_(None), Agreement.term_start > today))
    elif status == "encerrado":
        query = query.where(Agreement.term_end < today)
    return query


def agreement_counts(agreement_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Number of goals and of adhesions per agreement, in two grouped queries."""
    if not agreement_ids:
        return {}, {}
    goals = dict(
        db.session.execute(
            db.select(Goal.agreement_id, func.count(Goal.id))
            .where(Goal.agreement_id.in_(agreement_ids))
            .group_by(Goal.agreement_id)
        ).all()
    )
    adhesions = dict(
        db.session.execute(
            db.select(Agreement.parent_id, func.count(Agreement.id))
            .where(Agreement.parent_id.in_(agreement_ids))
            .group_by(Agreement.parent_id)
        ).all()
    )
    return goals, adhesions


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


def goals_by_axis(goals: list[Goal]) -> list[tuple[str, list[Goal]]]:
    """Goals grouped as Eixo 1, 2, 3 and "Eixos combinados" (more than one axis)."""
    groups: dict[str, list[Goal]] = {}
    for axis in sorted({g.axes[0] for g in goals if len(g.axes) == 1}):
        groups[f"Eixo {axis} — {AXES.get(axis, '')}".rstrip(" —")] = []
    combined = []
    for goal in goals:
        if len(goal.axes) == 1:
            groups[f"Eixo {goal.axes[0]} — {AXES.get(goal.axes[0], '')}".rstrip(" —")].append(goal)
        else:
            combined.append(goal)
    result = list(groups.items())
    if combined:
        result.append(("Eixos combinados", combined))
    return result


def agreements_of(institution_id: int) -> list[Agreement]:
    """The agreements where the institution is the partner (its ACT or its adhesion)."""
    return list(
        db.session.scalars(
            db.select(Agreement)
            .where(Agreement.partner_id == institution_id)
            .order_by(Agreement.term_start.desc(), Agreement.id)
        )
    )


def update_agreement(
    agreement: Agreement,
    *,
    by,
    number: str | None,
    work_plan_number: str | None,
    sei_process: str | None,
    object: str,
    signed_on: date | None,
    term_start: date | None,
    term_end: date | None,
) -> int:
    """Save the agreement's data; when the term changes, redo its future untouched deliverables.

    Extending adds the new periods; shortening removes what would fall after the new end and
    clips the last period. Work already started (drafts, submissions...) is never touched.
    """
    from portal.core.clock import local_today
    from portal.deliverables import generation

    number = number or None
    if (
        number
        and number != agreement.number
        and db.session.scalar(
            db.select(Agreement.id).where(
                Agreement.kind == agreement.kind,
                Agreement.number == number,
                Agreement.id != agreement.id,
            )
        )
    ):
        raise DomainError("Já existe um instrumento deste tipo com este número.", field="number")
    if term_start and term_end and term_end < term_start:
        raise DomainError("O fim da vigência deve ser posterior ao início.", field="term_end")
    before = _agreement_snapshot(agreement)
    agreement.number = number
    agreement.work_plan_number = work_plan_number or None
    agreement.sei_process = format_nup(sei_process) if sei_process else None
    agreement.object = object or ""
    agreement.signed_on = signed_on
    agreement.term_start = term_start
    agreement.term_end = term_end
    after = _agreement_snapshot(agreement)
    changes = {k: after[k] for k in after if before[k] != after[k]}
    created = 0
    if "term_start" in changes or "term_end" in changes:
        db.session.flush()
        owned = db.select(func.count(Deliverable.id)).join(Goal).where(
            Goal.agreement_id == agreement.id)
        before_count = db.session.scalar(owned)
        for goal in agreement.goals:
            generation.regenerate_goal(goal, local_today())
        created = db.session.scalar(owned) - before_count  # negative when the term shrank
    audit.record(
        "agreement.updated",
        agreement,
        actor=by,
        institution_id=agreement.partner_id,
        changes=changes,
        deliverables_created=created,
    )
    db.session.commit()
    return created


def _agreement_snapshot(agreement: Agreement) -> dict:
    return {
        "number": agreement.number,
        "work_plan_number": agreement.work_plan_number,
        "sei_process": agreement.sei_process,
        "object": agreement.object,
        "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else None,
        "term_start": agreement.term_start.isoformat() if agreement.term_start else None,
        "term_end": agreement.term_end.isoformat() if agreement.term_end else None,
    }


def update_goal(
    goal: Goal,
    *,
    by,
    today: date,
    description: str,
    deadline_text: str,
    responsible: str,
    applies_to_adherents: bool,
    schedule: dict,
    roles: list[str] | None = None,
) -> int:
    """Save a goal (schedule already validated) and regenerate its future deliverables."""
    from portal.deliverables import generation

    before = {
        "description": goal.description,
        "deadline_text": goal.deadline_text,
        "responsible": goal.responsible,
        "applies_to_adherents": goal.applies_to_adherents,
        "schedule": goal.schedule,
        "roles": list(goal.roles or []),
    }
    roles = [r for r in GOAL_ROLES if r in (goal.roles if roles is None else roles)]
    goal.roles = roles
    goal.description = description
    goal.deadline_text = deadline_text or ""
    goal.responsible = responsible
    goal.applies_to_adherents = applies_to_adherents
    goal.schedule = schedule
    after = {
        "description": description,
        "deadline_text": goal.deadline_text,
        "responsible": responsible,
        "applies_to_adherents": applies_to_adherents,
        "schedule": schedule,
        "roles": roles,
    }
    changes = {k: after[k] for k in after if before[k] != after[k]}
    db.session.flush()
    audit.record(
        "goal.updated",
        goal,
        actor=by,
        institution_id=goal.agreement.partner_id,
        code=goal.code,
        changes=changes,
    )
    db.session.flush()
    # Who owes it or when: only then are its future, untouched deliverables redone.
    created = 0
    if {"schedule", "responsible"} & changes.keys():
        created = generation.regenerate_goal(goal, today)
    db.session.commit()
    return created
