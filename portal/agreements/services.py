"""Agreement queries: the filtered list, goal and adhesion counts, goals grouped by axis, and
an institution's own agreements; the eixos' names, which SEGES edits."""

from datetime import date

from flask import abort, g, has_app_context
from sqlalchemy import func, or_

from portal.agreements.models import AXES, AXIS_NAME_MAX, Agreement, Axis, Goal
from portal.core import audit
from portal.core.exceptions import DomainError
from portal.core.forms import choices
from portal.core.validators import only_digits
from portal.extensions import db
from portal.institutions.models import Institution

# Eixos ---------------------------------------------------------------------------------------

_CACHE = "agreements_axis_names"


def axis_names() -> dict[int, str]:
    """Number → name of every eixo, as SEGES named them (the ``axes`` table), in order.

    Read once per request (kept on ``flask.g``). A number the table lacks (a database whose
    rows were deleted, as the tests' cleanup does) keeps its original name from ``AXES``.
    """
    if has_app_context() and _CACHE in g:
        return g.get(_CACHE)
    stored = dict(db.session.execute(db.select(Axis.number, Axis.name)).tuples().all())
    names = dict(sorted({**AXES, **stored}.items()))
    if has_app_context():
        setattr(g, _CACHE, names)
    return names


def axis_name(number: int) -> str:
    return axis_names().get(number, "")


def axis_label(number: int) -> str:
    """"Eixo 3 — Comunicação e Transparência" ("Eixo 4" for a number with no name)."""
    name = axis_name(number)
    return f"Eixo {number} — {name}" if name else f"Eixo {number}"


def axes_label(axes: list[int]) -> str:
    """A goal's eixos for a reader: "1 — Melhoria da Gestão", or for combined eixos
    "1 e 3 — Melhoria da Gestão; Comunicação e Transparência"; "—" for none."""
    if not axes:
        return "—"
    numbers = " e ".join(str(axis) for axis in axes)
    names = "; ".join(name for name in (axis_name(axis) for axis in axes) if name)
    return f"{numbers} — {names}" if names else numbers


def axis_filter_choices() -> list:
    """A filter's eixo options, "Todos" first: give the function itself as a SelectField's
    ``choices`` so each form reads the names when it is built, not when Python loads it."""
    return choices([("", "Todos"), *((str(n), f"{n} — {name}") for n, name in
                                     axis_names().items())])


def all_axes() -> list[Axis]:
    """Every eixo, in order, as rows (one not stored yet is a new, unsaved row)."""
    stored = {axis.number: axis for axis in db.session.scalars(db.select(Axis))}
    return [stored.get(number) or Axis(number=number, name=name)
            for number, name in axis_names().items()]


def axis_for_edit(number: int) -> Axis:
    """The eixo ``number`` (404 for a number that is no eixo)."""
    axis = db.session.get(Axis, number)
    if axis is None:
        if number not in AXES:
            abort(404)
        axis = Axis(number=number, name=AXES[number])
    return axis


def rename_axis(axis: Axis, name: str, *, by) -> bool:
    """SEGES gives an eixo a new name, shown by every page from then on (audited). False when
    the name is the one it already had (nothing is written)."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Informe o nome do eixo.", field="name")
    if len(name) > AXIS_NAME_MAX:
        raise DomainError(f"O nome pode ter no máximo {AXIS_NAME_MAX} caracteres.",
                          field="name")
    others = {n: other for n, other in axis_names().items() if n != axis.number}
    clash = next((n for n, other in others.items() if other.casefold() == name.casefold()), None)
    if clash is not None:
        raise DomainError(f"O eixo {clash} já tem esse nome.", field="name")
    old = axis_names().get(axis.number, axis.name)
    if name == old:
        return False
    axis.name = name
    db.session.add(axis)
    db.session.flush()
    audit.record("axis.renamed", axis, actor=by, number=axis.number, old=old, new=name)
    if has_app_context():
        g.pop(_CACHE, None)
    return True


# Agreements ----------------------------------------------------------------------------------


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
    for axis in sorted({goal.axes[0] for goal in goals if len(goal.axes) == 1}):
        groups[axis_label(axis)] = []
    combined = []
    for goal in goals:
        if len(goal.axes) == 1:
            groups[axis_label(goal.axes[0])].append(goal)
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


