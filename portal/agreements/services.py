"""Agreement queries: the filtered list, goal and adhesion counts, goals grouped by axis, and
an institution's own agreements."""

from datetime import date

from sqlalchemy import func, or_

from portal.agreements.models import AXES, Agreement, Goal
from portal.core.validators import only_digits
from portal.extensions import db
from portal.institutions.models import Institution


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
        term = q.lower()
        conditions = [
            func.lower(Agreement.number).contains(term, autoescape=True),
            func.lower(Institution.name).contains(term, autoescape=True),
            func.lower(Institution.acronym).contains(term, autoescape=True),
            Agreement.sei_process.contains(q, autoescape=True),
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


