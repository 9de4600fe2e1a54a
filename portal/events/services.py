"""Meetings, forums and requests SEGES sends to the network (metas 1.7, 3.4 and 3.5).

Convening an event or sending a request resolves its audience to institutions and creates,
for each of them, the deliverable of the matching goal of each of its current agreements:

* reunião técnica → every goal whose role is ``meetings`` (1.7 in the seed);
* Fórum Nacional / fórum regional → every goal whose role is ``forums`` (3.4 in the seed).
  Its schedule is ``annual`` (one report per term year), so the forum period is built here
  with the engine's key rule (``E<event key>``);
* request (3.5) → every goal whose schedule is ``on_call`` with ``trigger: request``.

Roles are set by the importer and editable by SEGES: never a goal code. The plan says a
meeting or forum creates the duty but not how long the partner has to report on it, so
both are due by SEGES's default (``deliverables.deadlines.after_event``, labelled as
SEGES's); a request is due on the date SEGES chose, as the plan says. Goals SEGES owes
alone are skipped, and SEGES never receives the partners' deliverables. Creation is
idempotent by (goal, institution, key). Work is done in bulk (a few queries whatever the
number of invitees): the whole federation is ~6,000 institutions.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import String, cast, func, insert, or_

from portal.agreements.models import Agreement, Goal
from portal.core import audit, clock, ics
from portal.core.exceptions import DomainError
from portal.core.formatting import format_date
from portal.core.models import utcnow
from portal.core.validators import only_digits
from portal.deliverables import deadlines, lifecycle
from portal.deliverables.generation import secretariat
from portal.deliverables.lifecycle import Source, Status
from portal.deliverables.models import Deliverable
from portal.events import signals
from portal.events.models import AUDIENCES, EVENT_KINDS, Event, EventInvitation, InfoRequest
from portal.extensions import db
from portal.institutions.models import ELOS, UFS, Institution
from portal.schedule import engine as schedule

MAX_TITLE = 300
_SEPARATORS = re.compile(r"[\n\r,;]+")


# Helpers ------------------------------------------------------------------------------------


# Re-exported: the events and courses code reads "today" through this module.
local_today = clock.local_today
local_date = clock.local_date


def to_utc(local: datetime) -> datetime:
    """A naive date and time typed in America/Sao_Paulo, as an aware UTC datetime."""
    return local.replace(tzinfo=clock.zone()).astimezone(UTC)


# Audience -------------------------------------------------------------------------------------


def parse_references(text: str) -> list[str]:
    """CNPJs or acronyms separated by lines, commas or semicolons."""
    return [token.strip() for token in _SEPARATORS.split(text or "") if token.strip()]


def _chosen(references: list[str]) -> list[int]:
    if not references:
        raise DomainError("Informe ao menos um CNPJ ou sigla.", field="instituicoes")
    cnpjs = {only_digits(r): r for r in references
             if len(only_digits(r)) == 14 and not re.search(r"[A-Za-z]", r)}
    acronyms = {r.lower(): r for r in references if r not in cnpjs.values()}
    found: dict[str, list[int]] = defaultdict(list)
    rows = db.session.execute(
        db.select(Institution.id, Institution.cnpj, func.lower(Institution.acronym))
        .where(Institution.is_secretariat.is_(False),
               or_(Institution.cnpj.in_(list(cnpjs) or [""]),
                   func.lower(Institution.acronym).in_(list(acronyms) or [""])))).all()
    for row in rows:
        if row.cnpj in cnpjs:
            found[cnpjs[row.cnpj]].append(row.id)
        if row[2] in acronyms:
            found[acronyms[row[2]]].append(row.id)
    unknown = [r for r in references if r not in found]
    if unknown:
        raise DomainError("Não encontramos estas instituições (confira o CNPJ ou a sigla): "
                          + ", ".join(unknown[:20]) + ("…" if len(unknown) > 20 else "") + ".",
                          field="instituicoes")
    ambiguous = [r for r, ids in found.items() if len(set(ids)) > 1]
    if ambiguous:
        raise DomainError("Mais de uma instituição usa esta sigla; informe o CNPJ: "
                          + ", ".join(ambiguous) + ".", field="instituicoes")
    return sorted({ids[0] for ids in found.values()})


def resolve_audience(audience: str, value: str | None = None, references: Iterable[str] = (),
                     *, include_adherents: bool = True, day: date | None = None) -> list[int]:
    """Institution ids of an audience: every partner with an agreement in force on ``day``
    (optionally of one elo or UF, first layer only or with adherents), or the chosen ones.
    The secretariat is never invited."""
    if audience == "escolhidos":
        return _chosen(list(references))
    if audience not in AUDIENCES:
        raise DomainError("Escolha o público.", field="audience")
    day = day or local_today()
    in_force = db.select(Agreement.partner_id).where(Agreement.term_start <= day,
                                                     Agreement.term_end >= day)
    conditions = [Institution.is_secretariat.is_(False), Institution.id.in_(in_force)]
    if not include_adherents:
        conditions.append(Institution.parent_id.is_(None))
    if audience == "elo":
        if value not in ELOS:
            raise DomainError("Escolha o elo.", field="elo")
        conditions.append(Institution.elo == value)
    elif audience == "uf":
        if value not in UFS:
            raise DomainError("Escolha a UF.", field="uf")
        conditions.append(Institution.uf == value)
    return list(db.session.scalars(db.select(Institution.id).where(*conditions)
                                   .order_by(Institution.id)))


def audience_label(audience: str, value: str | None) -> str:
    if audience == "elo":
        return f"Elo {value}"
    if audience == "uf":
        return f"UF {UFS.get(value or '', value)}"
    return AUDIENCES.get(audience, audience)


# Deliverables for an event --------------------------------------------------------------------


def matching_goals(institution_ids: list[int], day: date, *, trigger: str | None = None,
                   role: str | None = None) -> list[Goal]:
    """The goals the institutions owe (partner or both) in agreements in force on ``day``:
    by schedule trigger (``request``, ``course_schedule_change``) or by role."""
    if not institution_ids:
        return []
    query = (db.select(Goal).join(Agreement, Agreement.id == Goal.agreement_id)
             .where(Agreement.partner_id.in_(institution_ids), Agreement.term_start <= day,
                    Agreement.term_end >= day, Goal.responsible.in_(("partner", "both")))
             .options(db.contains_eager(Goal.agreement)).order_by(Goal.id))
    if role is not None:
        goals = db.session.scalars(query.where(cast(Goal.roles, String).contains(f'"{role}"')))
        return [g for g in goals if g.has_role(role)]
    # Pre-filter in SQL on the JSON text, decide exactly in Python.
    goals = db.session.scalars(query.where(cast(Goal.schedule, String).contains(trigger)))
    return [g for g in goals if _trigger(g) == trigger]


def _trigger(goal: Goal) -> str | None:
    try:
        return schedule.event_trigger(goal.schedule)
    except schedule.ScheduleError:
        return None


def add_deliverables(goals: list[Goal], *, event_key: str, event_date: date, due_on: date,
                     label: str, rule: str | None = None) -> dict[int, int]:
    """Create the missing event deliverables of ``goals`` for each goal's partner, in bulk.

    ``rule``: the SEGES default that set ``due_on`` (None: the date is the plan's, e.g. the
    one a request sets). Returns {institution id: deliverable id} for those created now.
    """
    if not goals:
        return {}
    period = schedule.Period(f"E{event_key}", label[:200], event_date, due_on)
    periods = {goal.id: period for goal in goals}
    source = Source.PLAN if rule is None else Source.DEFAULT
    keys = {p.key for p in periods.values()}
    existing = set(db.session.execute(
        db.select(Deliverable.goal_id, Deliverable.institution_id).where(
            Deliverable.goal_id.in_([g.id for g in goals]), Deliverable.period_key.in_(keys))))
    rows = []
    for goal in goals:
        period = periods[goal.id]
        if (goal.id, goal.agreement.partner_id) in existing:
            continue
        rows.append({"goal_id": goal.id, "institution_id": goal.agreement.partner_id,
                     "period_key": period.key, "period_label": period.label[:200],
                     "opens_on": period.opens_on, "due_on": period.due_on, "status": "pending",
                     "deadline_source": source.value, "deadline_rule": rule})
    if not rows:
        return {}
    db.session.execute(insert(Deliverable), rows)
    # A goal belongs to one agreement (one partner): the new rows are those of the new goals.
    created = db.session.execute(
        db.select(Deliverable.institution_id, Deliverable.id).where(
            Deliverable.goal_id.in_([row["goal_id"] for row in rows]),
            Deliverable.period_key.in_(keys)).order_by(Deliverable.id)).all()
    result: dict[int, int] = {}
    for institution_id, deliverable_id in created:
        result.setdefault(institution_id, deliverable_id)
    return result


# Events -------------------------------------------------------------------------------------


def _check_event(kind: str, title: str, starts_at: datetime | None, ends_at: datetime | None,
                 place: str) -> None:
    if kind not in EVENT_KINDS:
        raise DomainError("Escolha o tipo de evento.", field="kind")
    if not (title or "").strip():
        raise DomainError("Informe o título.", field="title")
    if starts_at is None or ends_at is None:
        raise DomainError("Informe o início e o fim.", field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("O fim deve ser posterior ao início.", field="ends_at")
    if not (place or "").strip():
        raise DomainError("Informe o local ou o link.", field="place")


def convene(*, by, kind: str, title: str, starts_at: datetime, ends_at: datetime, place: str,
            agenda: str = "", audience: str, audience_value: str | None = None,
            references: Iterable[str] = (), include_adherents: bool = True) -> Event:
    """SEGES convenes a meeting or forum (``starts_at``/``ends_at`` aware, stored in UTC)."""
    _check_event(kind, title, starts_at, ends_at, place)
    day = local_date(starts_at)
    invitees = resolve_audience(audience, audience_value, references,
                                include_adherents=include_adherents, day=day)
    if not invitees:
        raise DomainError("Nenhum parceiro corresponde ao público escolhido.", field="audience")
    event = Event(kind=kind, title=title.strip()[:MAX_TITLE], starts_at=starts_at.astimezone(UTC),
                  ends_at=ends_at.astimezone(UTC), place=place.strip(), agenda=agenda or "",
                  audience=audience, audience_value=audience_value if audience in ("elo", "uf")
                  else None, include_adherents=include_adherents, created_by_id=by.id)
    db.session.add(event)
    db.session.flush()
    db.session.execute(insert(EventInvitation),
                       [{"event_id": event.id, "institution_id": i, "attended": False}
                        for i in invitees])
    created = create_event_deliverables(event)
    signals.event_convened.send(event, invitees=invitees)
    audit.record("event.convened", event, actor=by, kind=kind, invitees=len(invitees),
                 deliverables=len(created), audience=audience, audience_value=audience_value)
    db.session.flush()
    return event


def create_event_deliverables(event: Event) -> dict[int, int]:
    """The 1.7 (meeting) or 3.4 (forum) deliverable of every invitee; idempotent."""
    invitees = list(db.session.scalars(db.select(EventInvitation.institution_id)
                                       .where(EventInvitation.event_id == event.id)))
    day = local_date(event.starts_at)
    due, rule = deadlines.after_event("forum" if event.is_forum else "meeting", day)
    opens = min(local_today(), day)
    label = f"{event.kind_label} de {format_date(day)}: {event.title}"
    goals = matching_goals(invitees, day, role="forums" if event.is_forum else "meetings")
    created = add_deliverables(goals, event_key=event.event_key, event_date=opens, due_on=due,
                               label=label, rule=rule)
    joint = [goal for goal in goals if goal.responsible == "both"]
    if joint and not event.is_forum:
        _add_seges_side(joint[0], event, opens=opens, due=due, rule=rule)
    return created


def _add_seges_side(goal: Goal, event: Event, *, opens: date, due: date, rule: str) -> None:
    """A joint meeting duty ("SEGES e parceiro": organise and take part): SEGES's side is one
    deliverable per meeting — convene it, then record who attended — done when attendance
    is recorded."""
    day = local_date(event.starts_at)
    add_seges_deliverable(goal, event_key=event.event_key, opens=opens, due=due, rule=rule,
                          label=f"Organizar e registrar {event.event_kind.with_article} de "
                                f"{format_date(day)}: {event.title}")


def add_seges_deliverable(goal: Goal, *, event_key: str, opens: date, due: date, rule: str,
                          label: str) -> Deliverable:
    key = f"E{event_key}"
    seges_id = secretariat().id
    existing = db.session.scalar(db.select(Deliverable).where(
        Deliverable.period_key == key, Deliverable.institution_id == seges_id))
    if existing is not None:
        return existing
    deliverable = Deliverable(goal_id=goal.id, institution_id=seges_id, period_key=key,
                              period_label=label[:200], opens_on=opens, due_on=due,
                              status=Status.PENDING.value, deadline_source=Source.DEFAULT.value,
                              deadline_rule=rule)
    db.session.add(deliverable)
    db.session.flush()
    return deliverable


def seges_side(event_key: str) -> Deliverable | None:
    return db.session.scalar(db.select(Deliverable).where(
        Deliverable.period_key == f"E{event_key}",
        Deliverable.institution_id == secretariat().id))


def invitations_for(events: list[Event], institution_id: int) -> dict[int, EventInvitation]:
    """The institution's invitation to each of ``events``, by event id."""
    if not events:
        return {}
    return {
        invitation.event_id: invitation
        for invitation in db.session.scalars(
            db.select(EventInvitation).where(
                EventInvitation.institution_id == institution_id,
                EventInvitation.event_id.in_([event.id for event in events]),
            )
        )
    }


def is_invited(event: Event, institution_id: int | None) -> bool:
    if institution_id is None:
        return False
    return db.session.scalar(db.select(EventInvitation.id).where(
        EventInvitation.event_id == event.id,
        EventInvitation.institution_id == institution_id)) is not None


def invitation_of(event: Event, institution_id: int | None) -> EventInvitation | None:
    return db.session.scalar(db.select(EventInvitation).where(
        EventInvitation.event_id == event.id, EventInvitation.institution_id == institution_id))


def events_query(institution_id: int | None = None, now: datetime | None = None):
    """Upcoming first (soonest first), then past (most recent first). ``institution_id``:
    only the events it is invited to."""
    now = now or utcnow()
    upcoming = Event.ends_at >= now
    query = db.select(Event).options(db.joinedload(Event.created_by))
    if institution_id is not None:
        query = query.join(EventInvitation, EventInvitation.event_id == Event.id).where(
            EventInvitation.institution_id == institution_id)
    return query.order_by(db.case((upcoming, 0), else_=1),
                          db.case((upcoming, Event.starts_at)).asc(),
                          Event.starts_at.desc(), Event.id.desc())


def invitations_query(event: Event):
    return (db.select(EventInvitation).where(EventInvitation.event_id == event.id)
            .join(Institution, Institution.id == EventInvitation.institution_id)
            .options(db.contains_eager(EventInvitation.institution))
            .order_by(Institution.name, Institution.id))


def invitation_counts(event: Event) -> tuple[int, int, int]:
    """(invited, confirmed, attended)."""
    return db.session.execute(db.select(
        func.count(EventInvitation.id), func.count(EventInvitation.confirmed_at),
        func.count(db.case((EventInvitation.attended.is_(True), 1))))
        .where(EventInvitation.event_id == event.id)).one()


def confirm(event: Event, *, by) -> EventInvitation:
    """A partner user confirms their institution's attendance (once; repeating is harmless)."""
    invitation = invitation_of(event, by.institution_id)
    if invitation is None:
        raise DomainError("Sua instituição não foi convidada para este evento.")
    if invitation.confirmed_at is None:
        invitation.confirmed_at, invitation.confirmed_by_id = utcnow(), by.id
        audit.record("event.confirmed", event, actor=by, institution_id=by.institution_id)
        db.session.flush()
    return invitation


def record_attendance(event: Event, *, shown: Iterable[int], present: Iterable[int],
                      by) -> int:
    """SEGES marks who attended among the invitations ``shown`` (one page of the list)."""
    shown, present = set(shown), set(present)
    if not present <= shown:
        raise DomainError("Marque apenas instituições da lista.")
    invitations = db.session.scalars(db.select(EventInvitation).where(
        EventInvitation.event_id == event.id, EventInvitation.id.in_(shown))).all()
    changed = 0
    for invitation in invitations:
        attended = invitation.id in present
        if invitation.attended != attended:
            invitation.attended = attended
            changed += 1
    audit.record("event.attendance_recorded", event, actor=by, changed=changed,
                 present=sorted(i.institution_id for i in invitations if i.attended))
    own = seges_side(event.event_key)
    if own is not None:
        lifecycle.complete_by_seges(own, by=by, event_id=event.id)
    db.session.flush()
    return changed


def event_calendar(event: Event) -> str:
    server = current_app.config.get("SERVER_NAME") or "portal-rede-parcerias"
    description = event.agenda.strip()
    item = ics.CalendarItem(
        uid=f"evento-{event.id}@{server}", start=event.starts_at, end=event.ends_at,
        summary=f"{event.kind_label}: {event.title}", location=event.place,
        description=description)
    return ics.calendar([item], name=event.title)


# Requests (meta 3.5) ------------------------------------------------------------------------


def send_request(*, by, title: str, text: str, due_on: date | None, audience: str,
                 audience_value: str | None = None, references: Iterable[str] = (),
                 include_adherents: bool = True) -> InfoRequest:
    """SEGES asks partners for what they did: one 3.5 deliverable each, then a notification."""
    today = local_today()
    if not (title or "").strip():
        raise DomainError("Informe o título.", field="title")
    if due_on is None:
        raise DomainError("Informe o prazo.", field="due_on")
    if due_on < today:
        raise DomainError("O prazo deve ser hoje ou uma data futura.", field="due_on")
    invitees = resolve_audience(audience, audience_value, references,
                                include_adherents=include_adherents, day=today)
    goals = matching_goals(invitees, today, trigger="request")
    if not goals:
        raise DomainError("Nenhum parceiro do público escolhido tem a meta de encaminhar ações "
                          "(“quando solicitado”) em um acordo vigente.", field="audience")
    info = InfoRequest(title=title.strip()[:MAX_TITLE], text=text or "", due_on=due_on,
                       audience=audience, audience_value=audience_value
                       if audience in ("elo", "uf") else None,
                       include_adherents=include_adherents, created_by_id=by.id)
    db.session.add(info)
    db.session.flush()
    created = add_deliverables(goals, event_key=info.event_key, event_date=today, due_on=due_on,
                               label=f"Solicitação de {format_date(today)}: {info.title}")
    info.recipients = len(created)
    signals.info_requested.send(info, deliverables=created)
    audit.record("request.sent", info, actor=by, recipients=len(created), audience=audience,
                 audience_value=audience_value, due_on=due_on.isoformat())
    db.session.flush()
    return info


def requests_query():
    return db.select(InfoRequest).order_by(InfoRequest.created_at.desc(), InfoRequest.id.desc())


def info_request_or_404(request_id: int) -> InfoRequest:
    """The request with who sent it (its page names them)."""
    return db.first_or_404(db.select(InfoRequest).where(InfoRequest.id == request_id)
                           .options(db.joinedload(InfoRequest.created_by)))


def request_deliverables_query(info: InfoRequest):
    """Who was asked and where their answer stands (the deliverable's status)."""
    return (db.select(Deliverable).where(Deliverable.period_key == f"E{info.event_key}")
            .join(Institution, Institution.id == Deliverable.institution_id)
            .options(db.contains_eager(Deliverable.institution))
            .order_by(Institution.name, Deliverable.id))


def request_status_counts(info: InfoRequest) -> dict[str, int]:
    return status_counts_by_request([info])[info.id]


def status_counts_by_request(infos: list[InfoRequest]) -> dict[int, dict[str, int]]:
    """Deliverable statuses per request, for a whole page of requests in one query."""
    by_key = {f"E{info.event_key}": info.id for info in infos}
    counts: dict[int, dict[str, int]] = {info.id: {} for info in infos}
    if by_key:
        rows = db.session.execute(
            db.select(Deliverable.period_key, Deliverable.status, func.count(Deliverable.id))
            .where(Deliverable.period_key.in_(by_key))
            .group_by(Deliverable.period_key, Deliverable.status))
        for key, status, count in rows:
            counts[by_key[key]][status] = count
    return counts
