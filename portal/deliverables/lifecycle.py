"""A deliverable's lifecycle: its statuses, where its deadline comes from, and the one rule
that says what a person sees (late, returned, in review…) — in Python and in SQL alike.

Stored status (``Status``), changed only through this module's transitions::

    pending → draft → submitted → approved
                         └──────→ returned → draft (next version) → submitted …
    any open status → waived → (undo) the status it had

Deadline source (``Source``): ``plan`` — the Plano de Trabalho states the date (or says
that a convocation or request sets it); ``default`` — the plan sets no date and the portal
applies a SEGES default (e.g. 15 business days after a meeting); ``followup`` — the periodic
*relato de acompanhamento* SEGES asks on a continuous obligation. Only ``plan`` and
``default`` items are ever *late*; a follow-up past its date is ``followup_late``, counted
apart, and never shown as a breach of the plan.

``state_of`` (Python) and ``state_expr`` (SQL) compute the same :class:`State`; a test
checks them against each other over every combination. Every count on every page — home
tabs, progress by eixo, the agreement page, the panel, the annual report, reminders — is
built from these expressions (``count_columns``, ``group_expr``; the annual report applies
the same ``dated`` rule with its closing-date approvals), so the numbers agree.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import and_, case, func, not_, or_

from portal.core import audit
from portal.core.exceptions import Conflict, DomainError

SOON_DAYS = 30


class Status(StrEnum):
    PENDING = "pending"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    WAIVED = "waived"


STATUS_LABELS = {
    Status.PENDING: "A fazer",
    Status.DRAFT: "Em elaboração",
    Status.SUBMITTED: "Enviada – em análise",
    Status.APPROVED: "Aprovada",
    Status.RETURNED: "Devolvida",
    Status.WAIVED: "Dispensada",
}
OPEN_STATUSES = frozenset({Status.PENDING, Status.DRAFT})
EDITABLE_STATUSES = frozenset({Status.PENDING, Status.DRAFT, Status.RETURNED})


class Source(StrEnum):
    PLAN = "plan"
    DEFAULT = "default"
    FOLLOWUP = "followup"


SOURCE_LABELS = {
    Source.PLAN: "Prazo do Plano de Trabalho",
    Source.DEFAULT: "Prazo padrão definido pela SEGES",
    Source.FOLLOWUP: "Relato de acompanhamento pedido pela SEGES",
}


class State(StrEnum):
    """What a person sees of a deliverable on a given day."""

    LATE = "late"
    FOLLOWUP_LATE = "followup_late"
    RETURNED = "returned"
    DRAFT = "draft"
    PENDING = "pending"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    WAIVED = "waived"


STATE_LABELS = {
    State.LATE: "Atrasada",
    State.FOLLOWUP_LATE: "Relato pendente (pedido pela SEGES)",
    State.RETURNED: "Devolvida",
    State.DRAFT: "Em elaboração",
    State.PENDING: "A fazer",
    State.IN_REVIEW: "Enviada – em análise",
    State.APPROVED: "Aprovada",
    State.WAIVED: "Dispensada",
}
# The tag colour of each state (CSS class suffix portal-tag-<tone>).
STATE_TONES = {
    State.LATE: "danger",
    State.FOLLOWUP_LATE: "warning",
    State.RETURNED: "danger",
    State.DRAFT: "warning",
    State.PENDING: "info",
    State.IN_REVIEW: "info",
    State.APPROVED: "success",
    State.WAIVED: "muted",
}
# Worst first: what needs attention (the panel's matrix shows a goal's worst state).
STATE_RANK = list(State)


def state_of(status: str, due_on: date, source: str, today: date) -> State:
    """The state a person sees (the Python twin of :func:`state_expr`)."""
    if status == Status.WAIVED:
        return State.WAIVED
    if status == Status.APPROVED:
        return State.APPROVED
    if status == Status.SUBMITTED:
        return State.IN_REVIEW
    if status == Status.RETURNED:
        return State.RETURNED
    if due_on < today:
        return State.FOLLOWUP_LATE if source == Source.FOLLOWUP else State.LATE
    return State.DRAFT if status == Status.DRAFT else State.PENDING


def state_expr(today: date, status, due_on, source):
    """SQL CASE giving the same value as :func:`state_of` for the given columns."""
    return case(
        (status == Status.WAIVED, State.WAIVED.value),
        (status == Status.APPROVED, State.APPROVED.value),
        (status == Status.SUBMITTED, State.IN_REVIEW.value),
        (status == Status.RETURNED, State.RETURNED.value),
        (and_(due_on < today, source == Source.FOLLOWUP), State.FOLLOWUP_LATE.value),
        (due_on < today, State.LATE.value),
        (status == Status.DRAFT, State.DRAFT.value),
        else_=State.PENDING.value,
    )


# The tabs of "Minhas entregas" -----------------------------------------------------------


class Group(StrEnum):
    LATE = "atrasadas"
    RETURNED = "devolvidas"
    SOON = "proximas"
    LATER = "depois"
    FOLLOWUP = "acompanhamento"
    IN_REVIEW = "em_analise"
    DONE = "concluidas"


GROUP_LABELS = {
    Group.LATE: "Atrasadas",
    Group.RETURNED: "Devolvidas",
    Group.SOON: "Próximos 30 dias",
    Group.LATER: "Depois",
    Group.FOLLOWUP: "Acompanhamento (SEGES)",
    Group.IN_REVIEW: "Em análise",
    Group.DONE: "Concluídas",
}


def group_of(status: str, due_on: date, source: str, today: date) -> Group:
    state = state_of(status, due_on, source, today)
    if state in (State.APPROVED, State.WAIVED):
        return Group.DONE
    if state == State.IN_REVIEW:
        return Group.IN_REVIEW
    if state == State.RETURNED:
        return Group.RETURNED
    if source == Source.FOLLOWUP:
        return Group.FOLLOWUP
    if state == State.LATE:
        return Group.LATE
    return Group.SOON if due_on <= today + timedelta(days=SOON_DAYS) else Group.LATER


def group_expr(today: date, status, due_on, source):
    """SQL CASE giving the same value as :func:`group_of`."""
    soon = today + timedelta(days=SOON_DAYS)
    return case(
        (status.in_((Status.APPROVED, Status.WAIVED)), Group.DONE.value),
        (status == Status.SUBMITTED, Group.IN_REVIEW.value),
        (status == Status.RETURNED, Group.RETURNED.value),
        (source == Source.FOLLOWUP, Group.FOLLOWUP.value),
        (due_on < today, Group.LATE.value),
        (due_on <= soon, Group.SOON.value),
        else_=Group.LATER.value,
    )


# Counts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """The numbers every page shows of a set of deliverables on a day.

    ``due``: obligations with a date (plan or SEGES default, not follow-ups), not waived,
    whose date has come (``due_on <= until``); ``done``: those approved; ``late``: open past
    the date; ``followup_late``: follow-ups past their date (apart); ``in_review`` and
    ``returned``: by status, whatever the date.
    """

    due: int = 0
    done: int = 0
    late: int = 0
    followup_late: int = 0
    in_review: int = 0
    returned: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.due) if self.due else 0


def dated_condition(status, due_on, source, until: date):
    """Owed with a date (the plan's or a SEGES default), not waived, due by ``until``."""
    return and_(source != Source.FOLLOWUP, status != Status.WAIVED, due_on <= until)


def in_year(first: date, last: date, due_on, opens_on, source):
    """Deliverables of a calendar year: by due date, except a follow-up, which belongs to
    the year it reports on (it opens in that year and is due early in the next)."""
    return or_(and_(source != Source.FOLLOWUP, due_on.between(first, last)),
               and_(source == Source.FOLLOWUP, opens_on.between(first, last)))


def count_columns(today: date, status, due_on, source, until: date | None = None) -> list:
    """The aggregate columns of :class:`Counts`, in its field order, for a GROUP BY."""
    until = today if until is None else until
    dated = dated_condition(status, due_on, source, until)
    open_ = status.in_(tuple(OPEN_STATUSES))
    followup = source == Source.FOLLOWUP
    return [
        func.count(case((dated, 1))),
        func.count(case((and_(dated, status == Status.APPROVED), 1))),
        func.count(case((and_(open_, due_on < today, not_(followup)), 1))),
        func.count(case((and_(open_, due_on < today, followup), 1))),
        func.count(case((status == Status.SUBMITTED, 1))),
        func.count(case((status == Status.RETURNED, 1))),
    ]


# Transitions: the only code that changes a deliverable's status ----------------------------


def _move(deliverable, to: Status, action: str, *, by, **details) -> None:
    deliverable.status = to.value
    if action:
        audit.record(action, deliverable, actor=by, **details)


def start_draft(deliverable, *, by, version: int, **details) -> None:
    if deliverable.status not in EDITABLE_STATUSES:
        raise Conflict("Esta entrega já foi enviada e não pode mais ser alterada.")
    if deliverable.status != Status.DRAFT:
        _move(deliverable, Status.DRAFT, "deliverable.draft_started", by=by, version=version,
              **details)


def submit(deliverable, *, by, **details) -> None:
    if deliverable.status not in (Status.DRAFT, Status.RETURNED):
        raise Conflict("Não há rascunho para enviar: escreva o relato antes.")
    _move(deliverable, Status.SUBMITTED, "deliverable.submitted", by=by, **details)


def decided(deliverable, decision: str, *, by, **details) -> None:
    """SEGES approved or returned the submitted version (claimed atomically by the caller)."""
    to = Status(decision)
    if to not in (Status.APPROVED, Status.RETURNED):
        raise DomainError("Escolha aprovar ou devolver.", field="decision")
    _move(deliverable, to, f"deliverable.{to.value}", by=by, **details)


def complete_by_seges(deliverable, *, by, **details) -> None:
    """SEGES's own side of a joint duty, done by the act itself (e.g. recording a meeting's
    attendance): there is nobody else to review it."""
    if deliverable.status not in EDITABLE_STATUSES:
        return
    _move(deliverable, Status.APPROVED, "deliverable.completed_by_seges", by=by, **details)


def waive(deliverable, *, by, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Informe o motivo da dispensa.", field="reason")
    if deliverable.status in (Status.WAIVED, Status.APPROVED):
        raise Conflict("Só é possível dispensar uma entrega ainda não concluída.")
    deliverable.status_before_waiver = deliverable.status
    deliverable.waiver_reason = reason[:500]
    _move(deliverable, Status.WAIVED, "deliverable.waived", by=by, reason=reason)


def unwaive(deliverable, *, by) -> None:
    if deliverable.status != Status.WAIVED:
        raise Conflict("Esta entrega não está dispensada.")
    previous = Status(deliverable.status_before_waiver or Status.PENDING)
    deliverable.status_before_waiver = None
    deliverable.waiver_reason = None
    _move(deliverable, previous, "deliverable.unwaived", by=by)
